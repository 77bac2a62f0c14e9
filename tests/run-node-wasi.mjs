#!/usr/bin/env -S node --no-warnings
// Runs a WASI (preview1) program under Node's node:wasi:
//   node --no-warnings run-node-wasi.mjs [--dir DIR]... FILE.wasm [ARGS...]
// The program sees argv [FILE.wasm, ARGS...] and the environment; the exit
// code is the program's (a trap exits with 134, like an abort). --dir DIR
// preopens a host directory at the same path.
import { readFile } from "node:fs/promises";
import process from "node:process";

// node:wasi is experimental on Node 20: keep its warning off stderr even
// when this runs without --no-warnings, but show any other warning.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "ExperimentalWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
});
const { WASI } = await import("node:wasi");

const argv = process.argv.slice(2);
const preopens = {};
while (argv.length > 0 && argv[0].startsWith("--")) {
  const opt = argv.shift();
  if (opt === "--") break;
  if (opt === "--dir") {
    const d = argv.shift();
    preopens[d] = d;
  } else if (opt.startsWith("--dir=")) {
    const d = opt.slice("--dir=".length);
    preopens[d] = d;
  } else {
    process.stderr.write(`run-node-wasi: unknown option ${opt}\n`);
    process.exit(2);
  }
}
if (argv.length < 1) {
  process.stderr.write("usage: run-node-wasi.mjs [--dir DIR]... FILE.wasm [ARGS...]\n");
  process.exit(2);
}

const wasi = new WASI({
  version: "preview1",
  args: argv,
  env: process.env,
  preopens,
  returnOnExit: true,
});

let code;
try {
  const module = await WebAssembly.compile(await readFile(argv[0]));
  // getImportObject() is Node 20's; Node 18 has only wasiImport.
  const imports = typeof wasi.getImportObject === "function"
    ? wasi.getImportObject()
    : { wasi_snapshot_preview1: wasi.wasiImport };
  const instance = await WebAssembly.instantiate(module, imports);
  code = wasi.start(instance);
} catch (e) {
  // Report after a turn of the event loop: right after a wasm stack
  // overflow, V8 may still be short of stack for formatting the error.
  await new Promise((resolve) => setImmediate(resolve));
  process.stderr.write(`run-node-wasi: ${argv[0]}: ${e && e.stack ? e.stack : e}\n`);
  code = 134;
}
process.exitCode = code ?? 0;
