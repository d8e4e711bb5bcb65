#!/usr/bin/python3
"""PyTorch-CPU side of `anvil rl bench`: the latency of one DQN update and one greedy action.

The update is CleanRL's dqn.py update (https://docs.cleanrl.dev/rl-algorithms/dqn/) with the
Huber loss: a uniform replay sample of 128 transitions, max over the target network's Q-values
at s' (no gradient), Q(s, a) of the online 4-120-84-2 MLP gathered at the taken actions,
smooth_l1_loss, zero_grad, backward, Adam step. The action is the greedy action of one
observation (a float32 numpy array, as an environment returns it).

Started once by `anvil rl bench --pytorch bench/pytorch_dqn.sh`, which alternates rounds with
Anvil: it prints {"ready": 1} after warming up, then answers each stdin line "round U A" with
one JSON line of the median microseconds of U updates and A actions.
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OBS, ACTIONS, BATCH, CAPACITY, GAMMA = 4, 2, 128, 10_000, 0.99


def mlp():
    return nn.Sequential(nn.Linear(OBS, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, ACTIONS))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(7)

    q_network = mlp()
    target_network = mlp()
    target_network.load_state_dict(q_network.state_dict())
    optimizer = torch.optim.Adam(q_network.parameters(), lr=2.3e-3)
    observations = torch.from_numpy(rng.uniform(-1, 1, (CAPACITY, OBS)).astype(np.float32))
    next_observations = torch.from_numpy(rng.uniform(-1, 1, (CAPACITY, OBS)).astype(np.float32))
    actions = torch.from_numpy(rng.integers(0, ACTIONS, CAPACITY))
    rewards = torch.ones(CAPACITY)
    dones = torch.from_numpy((rng.integers(0, 50, CAPACITY) == 0).astype(np.float32))
    acting = [rng.uniform(-1, 1, OBS).astype(np.float32) for _ in range(64)]

    def update():
        idx = torch.randint(0, CAPACITY, (BATCH,))
        with torch.no_grad():
            target_max, _ = target_network(next_observations[idx]).max(dim=1)
            td_target = rewards[idx] + GAMMA * target_max * (1 - dones[idx])
        old_val = q_network(observations[idx]).gather(1, actions[idx].unsqueeze(1)).squeeze()
        loss = F.smooth_l1_loss(old_val, td_target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def act(obs):
        with torch.no_grad():
            return int(q_network(torch.from_numpy(obs).unsqueeze(0)).argmax(dim=1).item())

    def timed(fn, n, arg_of):
        times = []
        for i in range(n):
            t = time.perf_counter_ns()
            fn(*arg_of(i))
            times.append(time.perf_counter_ns() - t)
        return statistics.median(times) / 1e3

    timed(update, 1000, lambda i: ())
    timed(act, 10_000, lambda i: (acting[i & 63],))
    print(json.dumps({"ready": 1, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        _, updates, acts = line.split()
        update_us = timed(update, int(updates), lambda i: ())
        action_us = timed(act, int(acts), lambda i: (acting[i & 63],))
        print(json.dumps({"update_us": update_us, "action_us": action_us}), flush=True)


if __name__ == "__main__":
    main()
