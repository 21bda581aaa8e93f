"""molecule/_shared/platforms.py: the scenarios' containers and networks with the docker CLI."""

import importlib.util
import os

import pytest
import yaml

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
SCRIPT = os.path.join(ROOT, "molecule", "_shared", "platforms.py")
_spec = importlib.util.spec_from_file_location("molecule_platforms_under_test", SCRIPT)
platforms = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(platforms)


def scenario(name):
    with open(os.path.join(ROOT, "molecule", name, "molecule.yml")) as f:
        return yaml.safe_load(f)["platforms"]


def test_every_scenario_uses_only_keys_the_script_applies():
    for name in sorted(os.listdir(os.path.join(ROOT, "molecule"))):
        path = os.path.join(ROOT, "molecule", name, "molecule.yml")
        if os.path.exists(path):
            for p in scenario(name):
                platforms.create_argv(p)  # raises on a key it would not apply


def test_a_node_with_two_networks_is_created_on_the_first_and_keeps_every_setting():
    node = scenario("qdevice")[0]
    argv = platforms.create_argv(node)
    assert argv[:3] == ["create", "--name", "qd-node1"]
    assert argv[argv.index("--network") + 1] == "clusterops-molecule-qdevice-ring"
    assert argv[argv.index("--ip") + 1] == "172.31.253.11"
    for flag, value in (("--cap-add", "SYS_ADMIN"), ("--security-opt", "seccomp=unconfined"), ("--cgroupns", "host"),
                        ("--volume", "/sys/fs/cgroup:/sys/fs/cgroup:rw"), ("--tmpfs", "/run"), ("--shm-size", "256m"),
                        ("--stop-signal", "SIGRTMIN+3"), ("--label", "owner=molecule")):
        assert any(a == flag and b == value for a, b in zip(argv, argv[1:])), (flag, value, argv)
    assert argv[-2:] == ["clusterops/ha-node:bookworm", "/lib/systemd/systemd"]


def test_networks_keep_their_subnets_once_each():
    nets = platforms.networks(scenario("qdevice"))
    assert nets == {"clusterops-molecule-qdevice-ring": "172.31.253.0/24",
                    "clusterops-molecule-qdevice-qnet": "172.31.247.0/24"}


def test_an_unknown_key_is_refused_naming_it():
    with pytest.raises(platforms.PlatformError, match="privileged"):
        platforms.create_argv({"name": "n1", "image": "i", "privileged": True})


def test_devices_are_passed():
    argv = platforms.create_argv({"name": "n1", "image": "i", "devices": ["/dev/loop3:/dev/clusterops-shared"]})
    assert "--device" in argv and "/dev/loop3:/dev/clusterops-shared" in argv
