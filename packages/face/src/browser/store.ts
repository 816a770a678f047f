// Where a browser FaceDatabase keeps its files: the Origin Private File System
// (one folder per database) where the browser has it, else IndexedDB (one record
// per file). Both survive a reload; neither leaves the device.

/** Which storage a browser database uses: 'auto' picks OPFS where present, else IndexedDB. */
export type BrowserStorageKind = 'opfs' | 'indexeddb';

/** The files of one database by name: read, write a set together, remove. */
export interface ByteStore {
  readonly kind: BrowserStorageKind;
  read(file: string): Promise<Uint8Array | undefined>;
  /**
   * Writes `files` in order; the last one is the commit point (the metadata).
   * OPFS: each file is written to a swap file and swapped in on close, so a
   * crash leaves the old file or the new one; IndexedDB: one transaction.
   */
  write(files: readonly { name: string; bytes: Uint8Array }[]): Promise<void>;
  remove(files: readonly string[]): Promise<void>;
  /** Removes every file of the database. */
  clear(): Promise<void>;
}

const ROOT_FOLDER = 'smallworld-face';
const IDB_NAME = 'smallworld-face';
const IDB_STORE = 'files';

/** Whether this browser has OPFS with writable files (Safari before 17 and some workers lack `createWritable`). */
export async function hasOpfs(): Promise<boolean> {
  if (typeof navigator === 'undefined' || navigator.storage?.getDirectory === undefined) return false;
  if (typeof FileSystemFileHandle === 'undefined' || !('createWritable' in FileSystemFileHandle.prototype)) return false;
  try {
    await navigator.storage.getDirectory();
    return true;
  } catch {
    return false; // e.g. a private window
  }
}

/** The store of database `name` in `kind` storage ('auto': OPFS when usable, else IndexedDB). */
export async function openStore(name: string, kind: 'auto' | BrowserStorageKind): Promise<ByteStore> {
  const useOpfs = kind === 'opfs' || (kind === 'auto' && await hasOpfs());
  return useOpfs ? opfsStore(name) : indexedDbStore(name);
}

function opfsStore(name: string): ByteStore {
  const folder = async (create: boolean): Promise<FileSystemDirectoryHandle | undefined> => {
    try {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT_FOLDER, { create });
      return await root.getDirectoryHandle(name, { create });
    } catch (error) {
      if (!create && (error as DOMException).name === 'NotFoundError') return undefined;
      throw error;
    }
  };
  return {
    kind: 'opfs',
    async read(file) {
      const dir = await folder(false);
      if (dir === undefined) return undefined;
      try {
        const handle = await dir.getFileHandle(file);
        return new Uint8Array(await (await handle.getFile()).arrayBuffer());
      } catch (error) {
        if ((error as DOMException).name === 'NotFoundError') return undefined;
        throw error;
      }
    },
    async write(files) {
      const dir = (await folder(true))!;
      for (const { name: file, bytes } of files) {
        const writable = await (await dir.getFileHandle(file, { create: true })).createWritable();
        try {
          await writable.write(bytes as Uint8Array<ArrayBuffer>);
          await writable.close();
        } catch (error) {
          await writable.abort().catch(() => {});
          throw error;
        }
      }
    },
    async remove(files) {
      const dir = await folder(false);
      for (const file of files) await dir?.removeEntry(file).catch(() => {});
    },
    async clear() {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT_FOLDER, { create: true });
      await root.removeEntry(name, { recursive: true }).catch(() => {});
    },
  };
}

function indexedDbStore(name: string): ByteStore {
  const key = (file: string) => `${name}/${file}`;
  const run = async <T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> => {
    const db = await openIndexedDb();
    try {
      return await new Promise<T | undefined>((resolve, reject) => {
        const transaction = db.transaction(IDB_STORE, mode);
        const request = body(transaction.objectStore(IDB_STORE));
        transaction.oncomplete = () => resolve(request?.result);
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    kind: 'indexeddb',
    async read(file) {
      const value = await run<unknown>('readonly', (store) => store.get(key(file)));
      return value instanceof Uint8Array ? value : undefined;
    },
    async write(files) {
      await run('readwrite', (store) => {
        for (const { name: file, bytes } of files) store.put(bytes, key(file));
      });
    },
    async remove(files) {
      await run('readwrite', (store) => {
        for (const file of files) store.delete(key(file));
      });
    },
    async clear() {
      // Keys `${name}/...` sort between `${name}/` and `${name}0` ('0' follows '/').
      await run('readwrite', (store) => store.delete(IDBKeyRange.bound(`${name}/`, `${name}0`, false, true)));
    },
  };
}

function openIndexedDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(IDB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(IDB_STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
