/* Error codes to text. */
#include "fauxtp/error.h"

const char *fx_strerror(int err) {
  switch (err) {
  case FX_OK: return "ok";
#define FX__ERR_TEXT(name, code, text) case code: return text;
    FX_ERRNO_MAP(FX__ERR_TEXT)
#undef FX__ERR_TEXT
  default: return "unknown error";
  }
}

const char *fx_err_name(int err) {
  switch (err) {
  case FX_OK: return "FX_OK";
#define FX__ERR_NAME(name, code, text) case code: return "FX_E" #name;
    FX_ERRNO_MAP(FX__ERR_NAME)
#undef FX__ERR_NAME
  default: return "FX_EUNKNOWN";
  }
}
