// A stand-in for the `vscode` module, enough to load the client and run its
// activation outside VS Code: what the extension calls is recorded, and
// everything else is a harmless class or function.
//
// install({ path }) makes `require("vscode")` return it, with `edict.path`
// set to `path`; the returned object records `errors` (showErrorMessage
// texts) and `commands` (registered command ids).

"use strict";

const Module = require("module");

function anything(name) {
  // a class that can be extended, called, constructed, and read from
  const target = class {};
  return new Proxy(target, {
    get(t, key) {
      if (key in t) return t[key];
      if (key === "then") return undefined;
      return anything(`${name}.${String(key)}`);
    },
    apply() {
      return anything(`${name}()`);
    },
  });
}

function install(settings) {
  const record = { errors: [], commands: [], outputs: [] };
  const disposable = { dispose() {} };
  const fake = {
    EventEmitter: class {
      constructor() {
        this.event = () => disposable;
      }
      fire() {}
      dispose() {}
    },
    Disposable: class {
      constructor(fn) {
        this.dispose = fn ?? (() => {});
      }
      static from() {
        return disposable;
      }
    },
    window: {
      createOutputChannel: (name) => ({
        name,
        appendLine: (line) => record.outputs.push(line),
        append() {},
        show() {},
        dispose() {},
      }),
      showErrorMessage: async (message) => {
        record.errors.push(message);
        return undefined;
      },
    },
    commands: {
      registerCommand: (id) => {
        record.commands.push(id);
        return disposable;
      },
      executeCommand: async () => undefined,
    },
    workspace: {
      workspaceFolders: settings.folder ? [{ uri: { fsPath: settings.folder } }] : undefined,
      getConfiguration: (section) => ({
        get: (key, fallback) => (section === "edict" && key === "path" ? settings.path ?? fallback : fallback),
      }),
      onDidChangeConfiguration: () => disposable,
      createFileSystemWatcher: () => ({ ...disposable, onDidChange: () => disposable }),
    },
  };
  const vscode = new Proxy(fake, {
    get(t, key) {
      if (key in t) return t[key];
      if (key === "then" || key === "__esModule") return undefined;
      return anything(String(key));
    },
  });
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return vscode;
    return load.call(this, request, ...rest);
  };
  record.uninstall = () => {
    Module._load = load;
  };
  return record;
}

module.exports = { install };
