#!/usr/bin/env escript
%% Writes the fuzz targets' seed corpora (tests/fuzz/corpus/), checked in:
%%
%%   escript tests/fuzz/make-seeds.escript
%%
%% etf-decode/  term_to_binary(T, [{minor_version, 2}]) of a term of every
%%              type and edge size (the bytes fauxtp must read), plus the
%%              legacy forms minor_version 0 writes
%% pattern/     a flags byte, then u16-length-prefixed ETF pieces: the
%%              pattern, then subjects (tests/fuzz/fuzz-pattern.c)
%% runtime/     hand-written operation programs (tests/fuzz/fuzz-runtime.c)
%%
%% Rerun it after changing the formats; it replaces each folder's files.
-mode(compile).

main(_) ->
    Dir = filename:join(filename:dirname(escript:script_name()), "corpus"),
    write(Dir, "etf-decode", etf_seeds()),
    write(Dir, "pattern", pattern_seeds()),
    write(Dir, "runtime", runtime_seeds()).

write(Dir, Name, Seeds) ->
    Sub = filename:join(Dir, Name),
    ok = filelib:ensure_dir(filename:join(Sub, "x")),
    [ok = file:delete(F) || F <- filelib:wildcard(filename:join(Sub, "*"))],
    [ok = file:write_file(filename:join(Sub, File), Bytes) || {File, Bytes} <- Seeds],
    io:format("~s: ~b seeds~n", [Sub, length(Seeds)]).

etf(T) -> term_to_binary(T, [{minor_version, 2}]).

%% A ref of another node: fixed, so that rerunning changes no file.
remote_ref() ->
    binary_to_term(<<131, 90, 3:16, 119, 7, "a@host1", 1:32, 1:32, 2:32, 3:32>>).

%% A local pid of a fauxtp runtime: node nonode@nohost, creation 0.
local_pid(Index, Gen) ->
    binary_to_term(<<131, 88, 119, 13, "nonode@nohost", Index:32, Gen:32, 0:32>>).

terms() ->
    Big = 1 bsl 200,
    Keys = [{I * 7919, I} || I <- lists:seq(1, 40)], % integer keys: a stable hash order
    [{"int-0", 0}, {"int-255", 255}, {"int-256", 256}, {"int-neg", -1},
     {"int-i32-min", -16#80000000}, {"int-i32-max", 16#7fffffff},
     {"int-small-max", (1 bsl 59) - 1}, {"int-small-min", -(1 bsl 59)},
     {"int-u64", (1 bsl 64) - 1}, {"int-big", Big}, {"int-big-neg", -Big},
     {"int-large-big", 1 bsl 2100},
     {"float", 3.5}, {"float-neg-zero", -0.0}, {"float-tiny", 5.0e-324},
     {"atom", ok}, {"atom-utf8", 'ünïcødé'}, {"atom-255", list_to_atom(lists:duplicate(255, $a))},
     {"atom-reserved", '$fx_any'}, {"atom-empty", ''},
     {"binary-empty", <<>>}, {"binary", <<"hello">>}, {"binary-bytes", <<0, 255, 128>>},
     {"bitstring", <<1:3>>},
     {"tuple-0", {}}, {"tuple", {ok, 1, <<"x">>}}, {"tuple-300", list_to_tuple(lists:seq(1, 300))},
     {"nil", []}, {"string", "abc"}, {"list", [1, a, <<"b">>, 2.0]}, {"improper", [1, 2 | 3]},
     {"list-of-lists", [[1], [[2]], []]}, {"string-long", lists:duplicate(300, $z)},
     {"map-empty", #{}}, {"map", #{a => 1, <<"b">> => [2], 3 => {c}}},
     {"map-int-float", #{1 => int, 1.0 => float}}, {"map-40", maps:from_list(Keys)},
     {"map-nested", #{k => #{k => #{k => v}}}},
     {"pid-local", local_pid(5, 1)}, {"pid-remote", binary_to_term(<<131, 88, 119, 7, "a@host1", 1:32, 2:32, 3:32>>)},
     {"ref", remote_ref()}, {"ref-local", binary_to_term(<<131, 90, 3:16, 119, 13, "nonode@nohost", 0:32, 1:32, 0:32, 0:32>>)},
     {"deep-tuples", lists:foldl(fun(_, A) -> {A} end, x, lists:seq(1, 511))},
     {"deep-lists", lists:foldl(fun(_, A) -> [A] end, x, lists:seq(1, 511))},
     {"mixed", {'$gen_call', {local_pid(2, 1), remote_ref()}, [#{1 => {<<"v">>, -7.25}}, 'EXIT', 1 bsl 70]}}].

etf_seeds() ->
    Legacy = [{"legacy-float", term_to_binary(1.5, [{minor_version, 0}])},
              {"legacy-atom", <<131, 100, 0, 3, "abc">>},
              {"legacy-atom-latin1", <<131, 115, 2, 233, 255>>},
              {"legacy-pid", <<131, 103, 100, 0, 13, "nonode@nohost", 1:32, 1:32, 0>>},
              {"legacy-ref", <<131, 114, 1:16, 100, 0, 1, "n", 9:32, 1>>},
              {"list-tail-list", <<131, 108, 1:32, 97, 1, 108, 1:32, 97, 2, 106>>},
              {"dup-keys", <<131, 116, 2:32, 97, 1, 97, 2, 97, 1, 97, 3>>},
              {"bit-binary-bytes", <<131, 77, 2:32, 8, 1, 2>>}],
    [{Name, etf(T)} || {Name, T} <- terms()] ++ Legacy.

%% Flags, then each piece with a u16 length.
pattern(Flags, Pieces) ->
    iolist_to_binary([Flags | [[<<(byte_size(P)):16>>, P] || P <- Pieces]]).

type(T) -> {'$fx_type', T}.

pattern_seeds() ->
    Any = '$fx_any', Ign = '$fx_ignore',
    P = fun(Name, Flags, Pat, Subjects) -> {Name, pattern(Flags, [etf(Pat) | [etf(S) || S <- Subjects]])} end,
    [P("api-any", 0, {<<"data">>, Any}, [{<<"data">>, 42}]),
     P("api-ignore", 0, {<<"event">>, Ign, Any}, [{<<"event">>, <<"user_login">>, <<"127.0.0.1">>}]),
     P("api-map", 0, type(map), [#{key => <<"value">>}]),
     P("api-nested", 0, {<<"msg">>, {<<"sub">>, type(integer)}}, [{<<"msg">>, {<<"sub">>, 1}}]),
     P("types", 2, [type(T) || T <- [integer, float, number, binary, string, text, bytes, atom, boolean,
                                     tuple, list, map, pid, reference]],
       [1, 1.0, <<"t">>, <<255>>, ok, true, {}, [], #{}, remote_ref(), local_pid(1, 1)]),
     P("clauses", 2, [{a, Any}, {b, Ign, Any}, Any], [{a, 1}, {b, 2, 3}, c]),
     P("fx-map", 0, {'$fx_map', #{k => Any, j => {Any}}}, [#{k => 1, j => {2}, l => 3}, #{k => 1}]),
     P("plain-map", 0, #{a => Any}, [#{a => 1}, #{b => 1}]),
     P("literal", 0, {'$fx_literal', {'$fx_any', 1}}, [{'$fx_any', 1}, {'$fx_any', 2}]),
     P("list", 0, [Any, b | Any], [[a, b | c], [a, b], [a]]),
     P("text-atom", 1, {<<"ping">>, <<"unknown_atom_text">>}, [{ping, unknown_atom_text}, {<<"ping">>, x}]),
     P("literals", 0, {1.0, -0.0, 1 bsl 80, <<"bin">>, remote_ref(), []}, [{1, 0.0, 1 bsl 80, <<"bin">>, x, []}]),
     P("too-many", 0, list_to_tuple(lists:duplicate(65, Any)), [list_to_tuple(lists:seq(1, 65))]),
     P("deep", 0, lists:foldl(fun(_, A) -> {A} end, Any, lists:seq(1, 257)), []),
     P("bad-type", 0, type(nope), []),
     P("bad-reserved", 0, {'$fx_type', integer, extra}, [])].

%% Runtime programs: opcode bytes (opcode mod 16) and operands, as
%% tests/fuzz/fuzz-runtime.c's `step` reads them.
%%   0 spawn  Mode|Trap<<3|Pat<<4  Link(bit 7: link to Link mod n+1)  Name(bit 7: name N mod 4)
%%   1 send   To(bit 7: by name)  Op  Arg       2 send_etf  To  Len  Bytes...
%%   3 exit   To  Reason(normal kill shutdown boom killed)
%%   4 link A B   5 unlink A B   6 monitor W T   7 demonitor K   8 trap P On
%%   9 register Name P   10 unregister Name   11 send_after To Ms Op
%%   12 cancel K   13 clock +Ms   14/15 run Mode(< 64: budget, else mode mod 4)
%%   16 call To(bit 7: by name)  Timeout(bit 7: none, else ms mod 64)  Req(odd: answered)
runtime_seeds() ->
    Run = [14, 16#41],   % run idle
    Spawn = fun(Flags) -> [0, Flags, 0, 0] end,
    Prog = fun(Name, Ops) -> {Name, iolist_to_binary(Ops)} end,
    [Prog("spawn-send-run", [Spawn(0), 1, 0, 0, 0, 1, 0, 0, 0, Run]),
     Prog("forward-chain", [Spawn(0), Spawn(0), Spawn(0), 1, 0, 1, 1, 1, 1, 1, 2, 1, 2, 2, 0, Run]),
     Prog("stop-crash", [Spawn(0), Spawn(0), 1, 0, 3, 2, 1, 1, 4, 0, Run]),
     Prog("links", [Spawn(0), Spawn(8), [0, 0, 16#80, 0], 4, 0, 1, 4, 1, 2, 3, 0, 3, Run, 5, 1, 2]),
     Prog("trap-exit", [Spawn(8), Spawn(0), 4, 0, 1, 3, 1, 1, 3, 0, 0, 8, 0, 0, 3, 0, 2, Run]),
     Prog("monitors", [Spawn(0), Spawn(0), 6, 0, 1, 6, 1, 0, 7, 0, 3, 1, 1, 7, 0, 7, 1, 6, 0, 5, Run]),
     Prog("registry", [Spawn(0), [0, 0, 0, 16#81], 9, 0, 0, 9, 0, 1, 9, 2, 0, 1, 16#80, 0, 0,
                       1, 16#81, 0, 0, 10, 0, 10, 0, 3, 1, 1, 1, 16#81, 0, 0, Run]),
     Prog("timers", [Spawn(0), 11, 0, 10, 0, 11, 0, 20, 0, 11, 16#80, 5, 0, 12, 1, 13, 15, 14, 3,
                     12, 0, 13, 10, Run, 12, 0]),
     Prog("receive-timeout", [Spawn(0), 1, 0, 9, 5, Run, 13, 6, Run, 1, 0, 9, 0, Run]),
     Prog("patterns", [Spawn(16#20), Spawn(16#40), 1, 0, 0, 0, 1, 0, 3, 0, 1, 1, 6, 1, 1, 1, 6, 3,
                       1, 1, 0, 0, Run]),
     Prog("send-etf", [Spawn(0), 2, 0, 4, 131, 100, 0, 0, 2, 0, 3, 131, 97, 7, 2, 0, 2, 131, 116, Run]),
     Prog("init-modes", [Spawn(1), Spawn(2), Spawn(3), Spawn(4), Spawn(5), Run]),
     Prog("signals-from-inside", [Spawn(0), Spawn(0), 4, 0, 1, 1, 0, 5, 16#21, 1, 1, 5, 16#40, Run]),
     Prog("calls", [Spawn(0), Spawn(16#10), [0, 0, 0, 16#80], 16, 0, 16#80, 3, 16, 1, 5, 4, 16, 0, 10, 2,
                    16, 16#80, 16#80, 5, 16, 2, 16#80, 7, 16, 3, 0, 1, Run, 13, 20, Run, 16, 1, 16#80, 9, 3, 1, 1]),
     Prog("run-modes", [Spawn(0), Spawn(0), 1, 0, 7, 0, 1, 1, 1, 0, 14, 3, 14, 16#40, 14, 16#42, 14, 16#43,
                        14, 1, 15, 0, Run])].
