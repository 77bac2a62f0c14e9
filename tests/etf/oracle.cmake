# The ETF oracle, in order (ctest runs this with cmake -P):
#   1. Erlang writes a corpus of terms (oracle.escript gen);
#   2. fauxtp decodes and re-encodes each, byte for byte, and writes its own
#      encodings of terms built in C (test-etf-oracle);
#   3. Erlang reads those back and re-encodes them (oracle.escript check).
# Variables: ESCRIPT, ORACLE (the escript), PROGRAM, WORK (a directory).
if(NOT ESCRIPT)
  message(FATAL_ERROR "etf oracle: `escript` was not found. Erlang/OTP is required for this test: "
                      "install erlang-base (apt-get install -y erlang-base), then re-run cmake.")
endif()
file(MAKE_DIRECTORY "${WORK}")

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "etf oracle: ${what} failed (${rc})")
  endif()
endfunction()

run_step("Erlang writing the corpus" "${ESCRIPT}" "${ORACLE}" gen "${WORK}/erlang.etf.hex")
run_step("fauxtp re-encoding Erlang's terms" "${PROGRAM}" "${WORK}/erlang.etf.hex" "${WORK}/fauxtp.etf.hex")
run_step("Erlang reading fauxtp's terms" "${ESCRIPT}" "${ORACLE}" check "${WORK}/fauxtp.etf.hex")
