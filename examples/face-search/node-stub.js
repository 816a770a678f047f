// Stands in for Node's built-in modules that @tensorflow/tfjs-backend-wasm's ES
// build imports but only uses under Node (bundlers do the same: its package.json
// maps them to false under `browser`).
export default {};
