"""Causal multi-armed bandits and causal abstraction.

Where things are:

* ``scm.py`` -- discrete SCMs as arrays, exact ``P(Y | do(a))`` by einsum, simulation;
* ``abstraction.py`` -- abstractions ⟨R, a, α⟩, arm map ω and preimages, IC error;
* ``models.py`` -- the online-advertising models and the Zhang–Bareinboim task;
* ``environments.py`` -- bandits as reward tables (SCM, Bernoulli, simulator banks);
* ``ucb.py`` -- UCB1, B-UCB, Thompson sampling, ε-greedy (pure JAX, ``lax.scan``);
* ``transfer.py`` -- the CAMAB transfer algorithms TOpt, IMIT, TExp;
* ``atucb.py`` -- AT-UCB and its elimination rule;
* ``epidemic.py`` -- agent-based SIRS on a grid and its mean-field ODE, lockdown arms;
* ``registry.py`` -- every algorithm as a record (name, pure run function, side inputs,
  defaults) in one registry: a new algorithm is one module plus one ``register`` call;
* ``metrics.py`` -- pseudo-regret, optimal pulls, simple regret, surviving arms;
* ``experiments.py`` -- the experiments and the results table of ``hftlab bandits``.
"""
