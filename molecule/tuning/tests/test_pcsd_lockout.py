"""pcsd's lockout (issue 17): wrong passwords posted from tu-node2 to tu-node1's pcsd lock the user there, the right
password is refused while locked, pcs keeps working between the nodes (tokens, no password), and the lock is
pcsd's own tally, which faillock shows and resets."""

import testinfra

TARGET, SOURCE = "172.31.249.11", "tu-node2"
PASSWORD = "molecule-only-secret"  # cluster_hacluster_password in molecule.yml
ATTEMPTS = 3  # cluster_pcsd_lockout_attempts in molecule.yml
TALLY = "/var/lib/pcsd/faillock"
testinfra_hosts = ["ansible://tu-node1"]


def login(password):
    """True when tu-node1's pcsd takes the password from tu-node2, the way pcs host auth logs in: pcsd answers
    200 either way, with a token in the body only for a login it accepted."""
    body = testinfra.get_host("docker://" + SOURCE).check_output(
        "curl -sk --data-urlencode username=hacluster --data-urlencode password=%s https://%s:2224/remote/auth"
        % (password, TARGET))
    return body.strip() != ""


def test_wrong_passwords_lock_the_user_for_pcsd_only(host):
    host.check_output("faillock --dir %s --user hacluster --reset" % TALLY)
    try:
        assert login(PASSWORD)
        assert [login("wrong-%d" % i) for i in range(ATTEMPTS)] == [False] * ATTEMPTS
        # Locked: the right password is refused too.
        assert not login(PASSWORD)
        tally = host.check_output("faillock --dir %s --user hacluster" % TALLY)
        assert len([ln for ln in tally.splitlines() if ln.split()[-1:] == ["V"]]) == ATTEMPTS, tally
        # pcs between the nodes uses tokens, not the password: it still reaches every pcsd.
        assert "tu-node1: Online" in testinfra.get_host("docker://" + SOURCE).check_output("pcs status pcsd")
        # The default tally (ssh, su) knows nothing of it.
        assert not [ln for ln in host.run("faillock --user hacluster").stdout.splitlines() if ln.split()[-1:] == ["V"]]
    finally:
        host.check_output("faillock --dir %s --user hacluster --reset" % TALLY)
    assert login(PASSWORD)
