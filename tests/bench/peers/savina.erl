%% The Savina-style workloads of savina.c, in Erlang: BEAM is the reference
%% peer. run.mjs compiles this with erlc into build/peers/erl and runs
%%
%%   erl -noshell [+S 1] -pa build/peers/erl -run savina main WORKLOAD [reps=R] [warmup=W] [key=value]...
%%
%% and reads the one JSON line it prints (the same shape as fx-savina's).
%% Each workload checks its result against what its parameters predict and
%% halts with status 1 when they differ.
-module(savina).
-behaviour(gen_server).
-export([main/1]).
-export([init/1, handle_call/3, handle_cast/2]).

main([Workload | Args]) ->
    {Params, Reps, Warmup} = parse(Args, [], 5, 1),
    case Workload of
        "memory" ->
            Bytes = idle_memory(param(n, Params)),
            io:format("{\"workload\":\"memory\",~s,\"bytes_per_process\":~.1f}~n", [params_json(Params), Bytes]);
        _ ->
            W = list_to_atom(Workload),
            Expect = expect(W, Params),
            Times = [run_checked(W, Params, Expect) || _ <- lists:seq(1, Warmup + Reps)],
            Timed = lists:nthtail(Warmup, Times),
            io:format("{\"workload\":\"~s\",~s,\"times_ms\":[~s],\"result\":~p}~n",
                      [Workload, params_json(Params),
                       lists:join(",", [io_lib:format("~.3f", [T]) || T <- Timed]), Expect])
    end,
    halt(0).

parse([], Ps, R, W) -> {lists:reverse(Ps), R, W};
parse([A | As], Ps, R, W) ->
    [K, V] = string:split(A, "="),
    case K of
        "reps" -> parse(As, Ps, list_to_integer(V), W);
        "warmup" -> parse(As, Ps, R, list_to_integer(V));
        _ -> parse(As, [{list_to_atom(K), list_to_integer(V)} | Ps], R, W)
    end.

param(K, Ps) -> {K, V} = lists:keyfind(K, 1, Ps), V.

params_json(Ps) ->
    ["\"params\":{", lists:join(",", [io_lib:format("\"~s\":~p", [K, V]) || {K, V} <- Ps]), "}"].

%% One run in a fresh process (so its garbage and mailbox go with it). Its
%% mailbox is off-heap, as OTP advises for a process that receives floods:
%% with the default, ForkJoin's 100k `done` messages are copied on every
%% garbage collection of the collector and the run takes ~10x longer.
run_checked(W, Ps, Expect) ->
    Parent = self(),
    spawn_opt(fun() ->
        T0 = erlang:monotonic_time(microsecond),
        Result = run(W, Ps),
        Parent ! {done, erlang:monotonic_time(microsecond) - T0, Result}
    end, [link, {message_queue_data, off_heap}]),
    receive
        {done, Us, Expect} -> Us / 1000;
        {done, _, Other} ->
            io:format(standard_error, "savina: ~p: result ~p, expected ~p~n", [W, Other, Expect]),
            halt(1)
    end.

expect(pingpong, Ps) -> param(n, Ps);
expect(threadring, Ps) -> param(hops, Ps) rem param(actors, Ps);
expect(counting, Ps) -> param(n, Ps);
expect(forkjoin, Ps) -> param(n, Ps);
expect(big, Ps) -> param(actors, Ps) * param(pings, Ps);
expect(call, Ps) -> param(k, Ps).

%% ---- pingpong ----
run(pingpong, Ps) ->
    Pong = spawn_link(fun ponger/0),
    Count = pinger(Pong, param(n, Ps), 0),
    Pong ! stop,
    Count;
%% ---- threadring ----
run(threadring, Ps) ->
    N = param(actors, Ps),
    Self = self(),
    Pids = list_to_tuple([spawn_link(fun() -> member(I, Self) end) || I <- lists:seq(0, N - 1)]),
    [element(I + 1, Pids) ! {next, element((I + 1) rem N + 1, Pids)} || I <- lists:seq(0, N - 1)],
    element(1, Pids) ! param(hops, Ps),
    receive {finished, Index} -> ok end,
    [exit(P, kill) || P <- tuple_to_list(Pids)],
    Index;
%% ---- counting ----
run(counting, Ps) ->
    Counter = spawn_link(fun() -> counter(0) end),
    send_n(Counter, increment, param(n, Ps)),
    Counter ! {get, self()},
    receive {done, C} -> C end;
%% ---- forkjoin ----
run(forkjoin, Ps) ->
    N = param(n, Ps),
    Self = self(),
    fork(N, Self),
    join(N, 0);
%% ---- big ----
run(big, Ps) ->
    N = param(actors, Ps),
    M = param(pings, Ps),
    Self = self(),
    Pids = list_to_tuple([spawn_link(fun() -> big_init(I, N, M, Self) end) || I <- lists:seq(0, N - 1)]),
    [P ! {peers, Pids} || P <- tuple_to_list(Pids)],
    Total = lists:sum([receive {finished, K} -> K end || _ <- lists:seq(1, N)]),
    [exit(P, kill) || P <- tuple_to_list(Pids)],
    Total;
%% ---- call ----
run(call, Ps) ->
    {ok, Srv} = gen_server:start_link(?MODULE, 0, []),
    Last = calls(Srv, param(k, Ps), 0),
    unlink(Srv),
    exit(Srv, kill),
    Last.

ponger() ->
    receive
        {ping, From} -> From ! pong, ponger();
        stop -> ok
    end.

pinger(_, N, N) -> N;
pinger(Pong, N, Count) ->
    Pong ! {ping, self()},
    receive pong -> pinger(Pong, N, Count + 1) end.

member(I, Parent) ->
    receive {next, Next} -> member(I, Parent, Next) end.
member(I, Parent, Next) ->
    receive
        0 -> Parent ! {finished, I}, member(I, Parent, Next);
        K -> Next ! K - 1, member(I, Parent, Next)
    end.

send_n(_, _, 0) -> ok;
send_n(To, Msg, N) -> To ! Msg, send_n(To, Msg, N - 1).

counter(N) ->
    receive
        increment -> counter(N + 1);
        {get, From} -> From ! {done, N}
    end.

fork(0, _) -> ok;
fork(N, Collector) ->
    W = spawn(fun() -> receive {go, C} -> C ! done end end),
    W ! {go, Collector},
    fork(N - 1, Collector).

join(N, N) -> N;
join(N, K) -> receive done -> join(N, K + 1) end.

%% MINSTD (Park-Miller): the same sequence in every runner.
minstd(X) -> (X * 48271) rem 2147483647.

big_init(I, N, M, Sink) ->
    receive {peers, Pids} -> ok end,
    Rng = minstd(I + 1),
    element(Rng rem N + 1, Pids) ! {ping, self()},
    big_loop(Pids, N, M, Sink, Rng, 0).

big_loop(Pids, N, M, Sink, Rng, Pongs) ->
    receive
        {ping, From} ->
            From ! pong,
            big_loop(Pids, N, M, Sink, Rng, Pongs);
        pong when Pongs + 1 < M ->
            Next = minstd(Rng),
            element(Next rem N + 1, Pids) ! {ping, self()},
            big_loop(Pids, N, M, Sink, Next, Pongs + 1);
        pong ->
            Sink ! {finished, Pongs + 1},
            big_loop(Pids, N, M, Sink, Rng, Pongs + 1)
    end.

calls(_, 0, Last) -> Last;
calls(Srv, K, _) -> calls(Srv, K - 1, gen_server:call(Srv, increment)).

init(N) -> {ok, N}.
handle_call(increment, _From, N) -> {reply, N + 1, N + 1}.
handle_cast(_, N) -> {noreply, N}.

%% Bytes per idle process: erlang:memory(processes) before and after N
%% processes start waiting in receive. A helper spawns them linked (killing
%% it ends them all), so no list of N pids weighs on the figure.
idle_memory(N) ->
    Self = self(),
    erlang:garbage_collect(),
    Before = erlang:memory(processes),
    Helper = spawn(fun() -> spawn_idle(N), Self ! spawned, receive after infinity -> ok end end),
    receive spawned -> ok end,
    After = erlang:memory(processes),
    exit(Helper, kill),
    (After - Before) / N.

spawn_idle(0) -> ok;
spawn_idle(N) ->
    spawn_link(fun() -> receive stop -> ok end end),
    spawn_idle(N - 1).
