#!/usr/bin/env escript
%% The Erlang half of the ETF oracle test (tests/etf/oracle.cmake runs it).
%%
%%   oracle.escript gen FILE [SEED N]
%%                              writes a corpus: one term a line, as the hex
%%                              of term_to_binary(T, [{minor_version, 2}]),
%%                              a tab, the hex of the same with
%%                              [{compressed, L}] (L from 0 to 9 by the
%%                              term), a tab, and the term as ~w prints it:
%%                              the edge cases below, then N random terms
%%                              from SEED (defaults 20261125 and 2500)
%%   oracle.escript check FILE  reads fauxtp's encodings (same format) and
%%                              checks that binary_to_term accepts each and
%%                              that encoding the result gives the same bytes
%%
%% OTP 25 writes maps of up to 32 keys in term order (integers before
%% floats), the order fauxtp keeps; bigger maps are hash-ordered, so the
%% corpus has none.
-mode(compile).

main(["gen", File]) ->
    main(["gen", File, "20261125", "2500"]);
main(["gen", File, Seed, N]) ->
    rand:seed(exsss, {list_to_integer(Seed), 3, 5}),
    Random = [term(3) || _ <- lists:seq(1, list_to_integer(N))],
    Lines = [line(term_to_binary(T, [{minor_version, 2}]), term_to_binary(T, [{compressed, erlang:phash2(T, 10)}, {minor_version, 2}]), T)
             || T <- corpus() ++ Random],
    ok = file:write_file(File, Lines),
    io:format("oracle: wrote ~b Erlang terms (~b random)~n", [length(Lines), length(Random)]);
main(["check", File]) ->
    {ok, Data} = file:read_file(File),
    Lines = [L || L <- binary:split(Data, <<"\n">>, [global]), L =/= <<>>],
    Bad = [L || L <- Lines, not check(L)],
    io:format("oracle: Erlang checked ~b fauxtp encodings, ~b failed~n", [length(Lines), length(Bad)]),
    halt(case Bad of [] -> 0; _ -> 1 end);
main(_) ->
    io:format(standard_error, "usage: oracle.escript gen FILE [SEED N] | check FILE~n", []),
    halt(2).

line(Bin, Zipped, T) ->
    Text = lists:flatten(io_lib:format("~w", [T])),
    Short = lists:sublist(Text, 200),
    [binary:encode_hex(Bin), $\t, binary:encode_hex(Zipped), $\t, unicode:characters_to_binary(Short), $\n].

check(Line) ->
    [Hex | Rest] = binary:split(Line, <<"\t">>),
    Bin = binary:decode_hex(Hex),
    Desc = case Rest of [D] -> D; [] -> <<>> end,
    case catch binary_to_term(Bin) of
        {'EXIT', Why} ->
            io:format("  binary_to_term refused ~s (~s): ~p~n", [Hex, Desc, element(1, Why)]),
            false;
        T ->
            case term_to_binary(T, [{minor_version, 2}]) of
                Bin -> true;
                Other ->
                    io:format("  ~s (~s)~n    fauxtp: ~s~n    erlang: ~s~n",
                              [Desc, io_lib:format("~w", [T]), Hex, binary:encode_hex(Other)]),
                    false
            end
    end.

%% ---- the corpus ----

corpus() ->
    integers() ++ floats() ++ atoms() ++ tuples() ++ lists() ++ binaries()
        ++ maps() ++ pids_and_refs() ++ nested().

integers() ->
    Edges = [0, 1, 255, 256, 65535, 65536, 2147483647, 2147483648, 4294967295, 4294967296,
             1 bsl 59, (1 bsl 60) - 1, 1 bsl 60, (1 bsl 60) + 1, (1 bsl 63) - 1, 1 bsl 63,
             (1 bsl 64) - 1, 1 bsl 64, (1 bsl 64) + 1],
    Bigs = [1 bsl N || N <- lists:seq(65, 2100, 37)]
        ++ [(1 bsl N) - 1 || N <- lists:seq(64, 2100, 41)]
        ++ [(1 bsl (8 * B)) - 12345 || B <- [255, 256, 300]],
    All = Edges ++ Bigs,
    All ++ [-X || X <- All, X =/= 0] ++ [-2147483649, -129, -128].

floats() ->
    [0.0, -0.0, 1.0, -1.0, 1.5, 0.1, math:pi(), -2.5e-300, 1.0e300, 5.0e-324,
     2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
     1152921504606846976.0, 123456789.125].

atoms() ->
    [ok, '', a, 'EXIT', 'with space', 'nonode@nohost', true, false, undefined,
     list_to_atom([$h, 16#e9, $l, $l, $o]),
     list_to_atom([16#1F600, $!]),
     list_to_atom([16#e9]),
     list_to_atom(lists:duplicate(255, $x)),
     list_to_atom(lists:duplicate(255, 16#e9)),
     list_to_atom(lists:duplicate(85, 16#4e2d)),
     list_to_atom(lists:duplicate(255, 16#10000))].

tuples() ->
    [{}, {a}, {ok, 1}, {1, 2, 3}, {{}, {{}}},
     list_to_tuple(lists:seq(1, 255)), list_to_tuple(lists:seq(1, 256)),
     list_to_tuple([X * 1000 || X <- lists:seq(1, 300)])].

lists() ->
    [[], "abc", [0], [255], [256], [-1], [1, 2 | 3], [a | b], [[]], [[[]]], [1 | []],
     ["ab", "cd"], [a, 1, 1.5, <<"x">>], lists:seq(1, 300),
     lists:duplicate(65535, 7), lists:duplicate(65536, 7),
     lists:seq(0, 255) ++ [256], [1, 2 | "tail"], [x | <<"bin">>], [{a}, #{}]].

binaries() ->
    [<<>>, <<1, 2, 3>>, <<"hello">>, <<255, 0, 255>>,
     list_to_binary([X rem 256 || X <- lists:seq(1, 1000)]),
     unicode:characters_to_binary([16#e9, 16#1F600])].

maps() ->
    Inner = #{x => 1, y => 2.5},
    Mixed = #{1 => int, 1.0 => float, -5 => neg, (1 bsl 70) => big, -(1 bsl 70) => negbig,
              2.5 => f, -0.5 => nf, a => atom, zz => atom2, 'Z' => atom3,
              {} => t0, {a} => t1, {a, b} => t2, {b} => t1b,
              <<>> => b0, <<"key">> => bin, <<"kez">> => bin2,
              [] => nil, "key" => str, [1 | 2] => improper, [a] => lst,
              #{} => m0, Inner => m1, #{a => 1} => m2,
              self() => pid, list_to_pid("<0.77.3>") => pid2,
              make_ref() => ref, 3.0e100 => bigf, 0 => zero, 255 => b255, 256 => i256,
              (1 bsl 60) => edge},
    32 = map_size(Mixed),
    [#{}, #{a => 1}, #{1 => a, 1.0 => b}, #{b => 1, a => 2}, Inner,
     #{nested => Inner, list => [Inner, Inner], deeper => #{k => #{k => #{}}}},
     #{<<"a">> => 1, "a" => 2, a => 3, {a} => 4},
     maps:from_list([{X, X * X} || X <- lists:seq(-16, 15)]),
     maps:from_list([{X / 2, X} || X <- lists:seq(1, 32)]),
     maps:from_list([{list_to_atom([$k | integer_to_list(X)]), X} || X <- lists:seq(1, 32)]),
     Mixed].

pids_and_refs() ->
    Other = <<119, 10, "other@host">>,
    ExtPid = fun(Id, Ser, Cre) -> binary_to_term(<<131, 88, Other/binary, Id:32, Ser:32, Cre:32>>) end,
    ExtRef = fun(Ids, Cre) ->
                     binary_to_term(<<131, 90, (length(Ids)):16, Other/binary, Cre:32,
                                      <<<<I:32>> || I <- Ids>>/binary>>)
             end,
    [self(), list_to_pid("<0.0.0>"), list_to_pid("<0.123.456>"), list_to_pid("<0.32767.8191>"),
     ExtPid(1, 2, 3), ExtPid(16#ffffffff, 16#ffffffff, 16#ffffffff),
     make_ref(), make_ref(), make_ref(),
     ExtRef([1], 7), ExtRef([1, 2, 3], 7), ExtRef([1, 2, 3, 4, 5], 16#ffffffff),
     {self(), make_ref()}, [self(), ExtPid(5, 6, 7)]].

nested() ->
    Deep = lists:foldl(fun(_, Acc) -> {Acc} end, leaf, lists:seq(1, 100)),
    DeepList = lists:foldl(fun(_, Acc) -> [Acc] end, [], lists:seq(1, 100)),
    DeepMap = lists:foldl(fun(I, Acc) -> #{I => Acc} end, #{}, lists:seq(1, 100)),
    [Deep, DeepList, DeepMap,
     {ok, [1, 2, {three, <<"four">>, #{five => [6.0, -7]}}], self(), make_ref()},
     {'$gen_call', {self(), make_ref()}, {get, key}}].

%% ---- random terms (maps of up to 32 keys: Erlang writes those in term
%% order, as fauxtp does) ----

pick(L) -> lists:nth(rand:uniform(length(L)), L).

term(0) -> leaf();
term(D) ->
    case rand:uniform(10) of
        N when N =< 5 -> leaf();
        6 -> list_to_tuple([term(D - 1) || _ <- lists:seq(1, rand:uniform(6) - 1)]);
        7 -> [term(D - 1) || _ <- lists:seq(1, rand:uniform(6) - 1)];
        8 -> [term(D - 1) || _ <- lists:seq(1, rand:uniform(3))] ++ leaf();
        9 -> maps:from_list([{key(), term(D - 1)} || _ <- lists:seq(1, rand:uniform(6) - 1)]);
        10 -> maps:from_list([{key(), leaf()} || _ <- lists:seq(1, 20 + rand:uniform(12))])
    end.

key() ->
    case rand:uniform(4) of
        1 -> leaf();
        2 -> {leaf(), leaf()};
        _ -> pick([rand:uniform(100), rand_atom(), utf8(), rand:uniform() * 10])
    end.

leaf() ->
    case rand:uniform(14) of
        1 -> rand:uniform(256) - 1;
        2 -> rand:uniform(1 bsl 32) - (1 bsl 31);
        3 -> (rand:uniform(1 bsl 62) - (1 bsl 61)) * pick([1, 1 bsl 10, 1 bsl 100]);
        4 -> (rand:uniform(1 bsl 30)) bsl rand:uniform(2100) * pick([1, -1]);
        5 -> rand_float();
        6 -> rand_atom();
        7 -> utf8();
        8 -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, rand:uniform(20))]);
        9 -> [rand:uniform(256) - 1 || _ <- lists:seq(1, rand:uniform(10))];
        10 -> pick([self(), list_to_pid("<0." ++ integer_to_list(rand:uniform(32767)) ++ ".0>")]);
        11 -> make_ref();
        12 -> pick([[], {}, #{}, <<>>, true, false, nil, undefined, -0.0]);
        13 -> pick([rand:uniform() * 1.0e-300, rand:uniform() * 1.0e300, -rand:uniform()]);
        14 -> float(rand:uniform(1 bsl 60)) * pick([1, -1])
    end.

rand_float() ->
    <<F:64/float>> = <<(rand:uniform(2)-1):1, (rand:uniform(16#7fe) - 1):11, (rand:uniform(1 bsl 52) - 1):52>>,
    F.

rand_atom() ->
    list_to_atom([pick([$a + rand:uniform(26) - 1, 16#e9, 16#4e2d, 16#1F600, $_, $\s]) || _ <- lists:seq(1, rand:uniform(12) - 1)]).

utf8() ->
    unicode:characters_to_binary([pick([$a + rand:uniform(26) - 1, $\s, 16#e9, 16#4e2d, 16#1F600, 16#feff, 0])
                                  || _ <- lists:seq(1, rand:uniform(16) - 1)]).
