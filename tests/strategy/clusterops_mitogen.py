# -*- coding: utf-8 -*-
# The Molecule scenarios' strategy: Ansible's linear strategy run through Mitogen for Ansible
# (https://mitogen.networkgenomics.com/ansible_detailed.html), for the test harness only. The
# collection itself neither needs nor ships it; operators run it with whatever strategy they use.
#
# Why: the CI runs on two cores and is CPU-bound. Ansible's own docker connection starts a new Python
# on the node for every task and host (one `docker exec`, the module unpacked and imported anew);
# Mitogen keeps one interpreter per node and reuses it. Measured on the qdevice scenario (quiet machine):
# converge 112 s -> 76 s, idempotence 67 s -> 41 s (bench/results/ci_time.json, measured_2026_12_07_g);
# in the whole CI, converges 10-30 % shorter and no clear cut of the total (measured_2026_12_07_j).
#
# Async tasks and async_status keep Ansible's docker connection too (see _connection_get_with_context).
#
# What differs from Mitogen's own mitogen_linear: only the nodes' docker connection (both its short name
# and community.docker.docker, which Molecule's docker driver writes into the inventory) goes through
# Mitogen. The controller's own tasks (connection local: Molecule's create and destroy, delegate_to
# localhost) keep Ansible's connection: Molecule's destroy, whose docker_container tasks run async on
# localhost, hung under mitogen_local.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: clusterops_mitogen
    short_description: linear, with the nodes' docker connection through Mitogen (test harness only)
    description:
        - Ansible's linear strategy with Mitogen's connection multiplexer for the docker connection only.
    author: clusterops.ha
'''

import ansible_mitogen.loaders
import ansible_mitogen.strategy

_DOCKER = ('docker', 'community.docker.docker')
_ASYNC_STATUS = ('async_status', 'ansible.builtin.async_status', 'ansible.legacy.async_status')
# Set by StrategyModule._queue_task just before Ansible forks the task's worker, which inherits it.
_NATIVE = {'task': False}


def _connection_get_with_context(name, *args, **kwargs):
    """connection_loader.get_with_context while the strategy runs: the docker connection becomes Mitogen's, but for
    an async task (and async_status): Mitogen's async runner lost the failover_drill module's observers (the job
    started and died without a result), so those keep Ansible's own async_wrapper and its job files."""
    if name in _DOCKER and not _NATIVE['task']:
        name = 'mitogen_docker'
    return ansible_mitogen.loaders.connection_loader__get_with_context(name, *args, **kwargs)


# StrategyMixin._install_wrappers reads this module attribute when each play starts.
ansible_mitogen.strategy.wrap_connection_loader__get_with_context = _connection_get_with_context

Base = ansible_mitogen.loaders.strategy_loader.get('linear', class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, Base):
    def _queue_task(self, host, task, task_vars, play_context):
        _NATIVE['task'] = bool(task.async_val) or task.action in _ASYNC_STATUS
        return super(StrategyModule, self)._queue_task(host, task, task_vars, play_context)
