#!/usr/bin/env escript
%% The Erlang half of the ETF oracle test (tests/etf/oracle.cmake runs it).
%%
%%   oracle.escript gen FILE    writes a corpus: one term a line, as the hex
%%                              of term_to_binary(T, [{minor_version, 2}]),
%%                              a tab, and the term as ~w prints it
%%   oracle.escript check FILE  reads fauxtp's encodings (same format) and
%%                              checks that binary_to_term accepts each and
%%                              that encoding the result gives the same bytes
%%
%% OTP 25 writes maps of up to 32 keys in term order (integers before
%% floats), the order fauxtp keeps; bigger maps are hash-ordered, so the
%% corpus has none.
-mode(compile).

main(["gen", File]) ->
    Lines = [line(term_to_binary(T, [{minor_version, 2}]), T) || T <- corpus()],
    ok = file:write_file(File, Lines),
    io:format("oracle: wrote ~b Erlang terms~n", [length(Lines)]);
main(["check", File]) ->
    {ok, Data} = file:read_file(File),
    Lines = [L || L <- binary:split(Data, <<"\n">>, [global]), L =/= <<>>],
    Bad = [L || L <- Lines, not check(L)],
    io:format("oracle: Erlang checked ~b fauxtp encodings, ~b failed~n", [length(Lines), length(Bad)]),
    halt(case Bad of [] -> 0; _ -> 1 end);
main(_) ->
    io:format(standard_error, "usage: oracle.escript gen|check FILE~n", []),
    halt(2).

line(Bin, T) ->
    Text = lists:flatten(io_lib:format("~w", [T])),
    Short = lists:sublist(Text, 200),
    [binary:encode_hex(Bin), $\t, unicode:characters_to_binary(Short), $\n].

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
