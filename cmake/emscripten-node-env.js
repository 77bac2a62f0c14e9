// --pre-js for Emscripten programs run under Node (tests, examples): give
// the program the host's environment variables, as native and WASI runs
// have, instead of Emscripten's made-up one.
Module["preRun"] = [].concat(Module["preRun"] || [], function () {
  if (typeof ENV === "object" && typeof process === "object") {
    for (var k in process.env) ENV[k] = process.env[k];
  }
});
