#!/usr/bin/env escript
%% The Erlang half of the JavaScript codec's oracle test
%% (tests/js/etf-erlang.test.mjs runs it).
%%
%%   etf-oracle.escript check IN OUT    IN: one encoding a line, as hex.
%%                                      OUT gets, for each, the hex of
%%                                      term_to_binary(binary_to_term(B),
%%                                      [{minor_version, 2}]), or
%%                                      "ERROR Reason" when Erlang refuses B
%%   etf-oracle.escript equal A B OUT   OUT gets, for each pair of lines, true
%%                                      when they decode to exactly equal (=:=)
%%                                      terms (maps compared by their pairs),
%%                                      else false
%%   etf-oracle.escript gen SEED N OUT  OUT gets edge-case terms and N random
%%                                      ones, one encoding a line, as hex
%%   etf-oracle.escript zip IN OUT      OUT gets, for each line, the term
%%                                      written with [compressed] (levels 0
%%                                      to 9 in turn), as hex
-mode(compile).

main(["check", In, Out]) ->
    {ok, Data} = file:read_file(In),
    Lines = [L || L <- binary:split(Data, <<"\n">>, [global]), L =/= <<>>],
    ok = file:write_file(Out, [[check(L), $\n] || L <- Lines]);
main(["equal", InA, InB, Out]) ->
    Read = fun(F) -> {ok, D} = file:read_file(F), [L || L <- binary:split(D, <<"\n">>, [global]), L =/= <<>>] end,
    Same = fun(A, B) -> canonical(binary_to_term(binary:decode_hex(A))) =:= canonical(binary_to_term(binary:decode_hex(B))) end,
    ok = file:write_file(Out, [[atom_to_list(Same(A, B)), $\n] || {A, B} <- lists:zip(Read(InA), Read(InB))]);
main(["gen", Seed, N, Out]) ->
    rand:seed(exsss, {list_to_integer(Seed), 7, 11}),
    Terms = edges() ++ [term(3) || _ <- lists:seq(1, list_to_integer(N))],
    ok = file:write_file(Out, [[hex(T), $\n] || T <- Terms]);
main(["zip", In, Out]) ->
    {ok, Data} = file:read_file(In),
    Lines = [L || L <- binary:split(Data, <<"\n">>, [global]), L =/= <<>>],
    Zip = fun(L, I) -> binary:encode_hex(term_to_binary(binary_to_term(binary:decode_hex(L)), [{compressed, I rem 10}, {minor_version, 2}])) end,
    ok = file:write_file(Out, [[Zip(L, I), $\n] || {L, I} <- lists:zip(Lines, lists:seq(1, length(Lines)))]);
main(_) ->
    io:format(standard_error, "usage: etf-oracle.escript check IN OUT | gen SEED N OUT | zip IN OUT~n", []),
    halt(2).

hex(T) -> binary:encode_hex(term_to_binary(T, [{minor_version, 2}])).

%% A term with its maps as sorted lists of pairs: =:= on these is equality
%% of the maps' contents. (=:= on two large maps holding the same pairs was
%% seen to say false on OTP 25 when a key holds a reference from another
%% node and binary_to_term met the pairs in another order.)
canonical(M) when is_map(M) -> {map, lists:sort([{canonical(K), canonical(V)} || {K, V} <- maps:to_list(M)])};
canonical(T) when is_tuple(T) -> list_to_tuple([canonical(X) || X <- tuple_to_list(T)]);
canonical([H | T]) -> [canonical(H) | canonical(T)];
canonical(X) -> X.

check(Line) ->
    case catch binary_to_term(binary:decode_hex(Line)) of
        {'EXIT', {Why, _}} -> ["ERROR ", io_lib:format("~w", [Why])];
        T -> hex(T)
    end.

%% ---- terms at the edges of each encoding ----

edges() ->
    Ints = [0, 1, 255, 256, 65535, 2147483647, 2147483648, 4294967296, (1 bsl 53) - 1, 1 bsl 53,
            (1 bsl 53) + 1, (1 bsl 64) - 1, 1 bsl 64, (1 bsl 2040) - 1, 1 bsl 2040, 1 bsl 2100, 1 bsl 4000],
    [X || I <- Ints, X <- [I, -I]] ++ [-2147483648, -2147483649, -128, -1]
    ++ [0.0, -0.0, 1.0, -1.0, 0.5, 1.0e300, 5.0e-324, 1.7976931348623157e308, 9007199254740993.0, 1.0e21]
    ++ [ok, '', nil, undefined, true, false, 'hello world', list_to_atom(lists:duplicate(255, $a)),
        list_to_atom(lists:duplicate(255, 16#e9)), list_to_atom(lists:duplicate(255, 16#1F600)),
        list_to_atom([16#ff]), '$fx_any']
    ++ [<<>>, <<"ok">>, <<255>>, <<16#ef, 16#bb, 16#bf, "bom">>, <<0:8000>>, binary:copy(<<"fauxtp", 200>>, 20000),
        unicode:characters_to_binary([16#1F600, 16#e9, 16#4e2d])]
    ++ [{}, {{}}, list_to_tuple(lists:seq(1, 255)), list_to_tuple(lists:seq(1, 256))]
    ++ [[], [[]], "abc", [256], [1 | 2], [a, b | c], lists:duplicate(65535, 1), lists:duplicate(65536, 1),
        [1, 2 | <<"t">>], [[1 | 2] | 3]]
    ++ [#{}, #{a => 1}, #{<<"a">> => 1, a => 2}, #{1 => a, 1.0 => b}, #{-0.0 => a},
        maps:from_list([{I, I} || I <- lists:seq(1, 32)]), maps:from_list([{I, I} || I <- lists:seq(1, 33)]),
        maps:from_list([{integer_to_binary(I), I} || I <- lists:seq(1, 100)]),
        #{[] => 1, "a" => 2, {} => 3, #{} => 4, <<>> => 5, self() => 6},
        maps:from_list(lists:zip(mixed_keys(32), lists:seq(1, 32)))]
    ++ [self(), list_to_pid("<0.0.0>"), ext_pid(<<"a@b">>, 1, 2, 3), ext_pid(<<"x@y">>, 16#ffffffff, 16#ffffffff, 16#ffffffff),
        make_ref(), ext_ref(<<"a@b">>, 1, [1]), ext_ref(<<"a@b">>, 7, [1, 2, 3, 4, 5])].

%% 32 distinct keys of every kind, so that a 32-key map is written in term order.
mixed_keys(N) ->
    Kinds = [fun(I) -> I end, fun(I) -> I + 0.5 end, fun(I) -> list_to_atom("k" ++ integer_to_list(I)) end,
             fun(I) -> integer_to_binary(I) end, fun(I) -> {I} end, fun(I) -> [I] end, fun(I) -> #{I => I} end,
             fun(I) -> -(1 bsl (64 + I)) end],
    [(lists:nth(1 + I rem length(Kinds), Kinds))(I) || I <- lists:seq(1, N)].

ext_pid(Node, Id, Ser, Cre) ->
    binary_to_term(<<131, 88, 119, (byte_size(Node)), Node/binary, Id:32, Ser:32, Cre:32>>).

ext_ref(Node, Cre, Ids) ->
    binary_to_term(<<131, 90, (length(Ids)):16, 119, (byte_size(Node)), Node/binary, Cre:32,
                     <<<<I:32>> || I <- Ids>>/binary>>).

%% ---- random terms ----

pick(L) -> lists:nth(rand:uniform(length(L)), L).

term(0) -> leaf();
term(D) ->
    case rand:uniform(10) of
        N when N =< 5 -> leaf();
        6 -> list_to_tuple([term(D - 1) || _ <- lists:seq(1, rand:uniform(6) - 1)]);
        7 -> [term(D - 1) || _ <- lists:seq(1, rand:uniform(6) - 1)];
        8 -> [term(D - 1) || _ <- lists:seq(1, rand:uniform(3))] ++ term(0);
        9 -> maps:from_list([{key(), term(D - 1)} || _ <- lists:seq(1, rand:uniform(6) - 1)]);
        10 -> maps:from_list([{key(), leaf()} || _ <- lists:seq(1, 30 + rand:uniform(10))])
    end.

key() ->
    case rand:uniform(4) of
        1 -> leaf();
        2 -> {leaf(), leaf()};
        _ -> pick([rand:uniform(100), atom(), utf8(), rand:uniform() * 10])
    end.

leaf() ->
    case rand:uniform(14) of
        1 -> rand:uniform(256) - 1;
        2 -> rand:uniform(1 bsl 32) - (1 bsl 31);
        3 -> (rand:uniform(1 bsl 62) - (1 bsl 61)) * pick([1, 1 bsl 10, 1 bsl 100]);
        4 -> (rand:uniform(1 bsl 30)) bsl rand:uniform(2100) * pick([1, -1]);
        5 -> float();
        6 -> atom();
        7 -> utf8();
        8 -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, rand:uniform(20))]);
        9 -> [rand:uniform(256) - 1 || _ <- lists:seq(1, rand:uniform(10))];
        10 -> pick([self(), ext_pid(<<"n@h">>, rand:uniform(1000), rand:uniform(1000), rand:uniform(5))]);
        11 -> pick([make_ref(), ext_ref(<<"n@h">>, rand:uniform(9), [rand:uniform(1 bsl 32) - 1 || _ <- lists:seq(1, rand:uniform(5))])]);
        12 -> pick([[], {}, #{}, <<>>, true, false, nil, undefined]);
        13 -> pick([rand:uniform() * 1.0e-300, rand:uniform() * 1.0e300, -rand:uniform()]);
        14 -> float(rand:uniform(1 bsl 60)) * pick([1, -1])
    end.

float() ->
    <<F:64/float>> = <<(rand:uniform(16#7fe) - 1):12, (rand:uniform(1 bsl 52) - 1):52>>,
    F.

atom() ->
    list_to_atom([pick([$a + rand:uniform(26) - 1, 16#e9, 16#4e2d, 16#1F600, $_]) || _ <- lists:seq(1, rand:uniform(12) - 1)]).

utf8() ->
    unicode:characters_to_binary([pick([$a + rand:uniform(26) - 1, $\s, 16#e9, 16#4e2d, 16#1F600, 16#feff, 0])
                                  || _ <- lists:seq(1, rand:uniform(16) - 1)]).
