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
%%
%% Rerun it after changing the formats; it replaces each folder's files.
-mode(compile).

main(_) ->
    Dir = filename:join(filename:dirname(escript:script_name()), "corpus"),
    write(Dir, "etf-decode", etf_seeds()),
    write(Dir, "pattern", pattern_seeds()).

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
    Keys = [{list_to_atom("k" ++ integer_to_list(I)), I} || I <- lists:seq(1, 40)],
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
