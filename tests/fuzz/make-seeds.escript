#!/usr/bin/env escript
%% Writes the fuzz targets' seed corpora (tests/fuzz/corpus/), checked in:
%%
%%   escript tests/fuzz/make-seeds.escript
%%
%% etf-decode/  term_to_binary(T, [{minor_version, 2}]) of a term of every
%%              type and edge size (the bytes fauxtp must read), plus the
%%              legacy forms minor_version 0 writes
%%
%% Rerun it after changing the formats; it replaces each folder's files.
-mode(compile).

main(_) ->
    Dir = filename:join(filename:dirname(escript:script_name()), "corpus"),
    write(Dir, "etf-decode", etf_seeds()).

write(Dir, Name, Seeds) ->
    Sub = filename:join(Dir, Name),
    ok = filelib:ensure_dir(filename:join(Sub, "x")),
    [ok = file:delete(F) || F <- filelib:wildcard(filename:join(Sub, "*"))],
    [ok = file:write_file(filename:join(Sub, File), Bytes) || {File, Bytes} <- Seeds],
    io:format("~s: ~b seeds~n", [Sub, length(Seeds)]).

etf(T) -> term_to_binary(T, [{minor_version, 2}]).

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
     {"ref", make_ref()}, {"ref-local", binary_to_term(<<131, 90, 3:16, 119, 13, "nonode@nohost", 0:32, 1:32, 0:32, 0:32>>)},
     {"deep-tuples", lists:foldl(fun(_, A) -> {A} end, x, lists:seq(1, 511))},
     {"deep-lists", lists:foldl(fun(_, A) -> [A] end, x, lists:seq(1, 511))},
     {"mixed", {'$gen_call', {local_pid(2, 1), make_ref()}, [#{1 => {<<"v">>, -7.25}}, 'EXIT', 1 bsl 70]}}].

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
