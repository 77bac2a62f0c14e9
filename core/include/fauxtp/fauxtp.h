/* fauxtp: Erlang/OTP-style processes for C, WebAssembly and WASI.
 * The umbrella header: include this one. */
#ifndef FAUXTP_FAUXTP_H
#define FAUXTP_FAUXTP_H

#include "fauxtp/error.h"
#include "fauxtp/term.h"
#include "fauxtp/etf.h"
#include "fauxtp/pattern.h"
#include "fauxtp/runtime.h"
#include "fauxtp/process.h"
#include "fauxtp/gen_server.h"
#include "fauxtp/supervisor.h"
#include "fauxtp/task.h"
#include "fauxtp/host.h"

#define FAUXTP_VERSION "0.1.0"

#endif
