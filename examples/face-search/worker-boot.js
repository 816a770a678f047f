// The worker's first script (a classic worker): browsers do not apply a page's
// import map inside workers, so this loads es-module-shims, gives it the page's
// map, then starts the real worker module (worker.js). Messages that arrive
// while it loads are queued for it.
self.queuedMessages = [];
self.onmessage = (event) => {
  const { shimUrl, importMap, moduleUrl } = event.data;
  self.onmessage = (later) => self.queuedMessages.push(later);
  try {
    importScripts(shimUrl);
    self.importShim.addImportMap(importMap);
    self.importShim(moduleUrl).catch(fail);
  } catch (error) {
    fail(error);
  }
};

function fail(error) {
  self.postMessage({ type: 'fatal', message: `the worker did not start: ${error?.message ?? error}` });
}
