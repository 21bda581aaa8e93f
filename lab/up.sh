#!/usr/bin/env bash
# Start the lab's nodes: LAB_NODES (default 3) Debian containers with systemd, named
# lab-node1..lab-nodeN, on the docker network clusterops-lab with fixed addresses, and write
# lab/inventory.yml for them. Leftover lab containers of the same names are removed first.
# The lab's services and fence device are in lab/group_vars/cluster.yml, which Ansible reads
# next to lab/inventory.yml.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${LAB_NODES:-3}
image=${LAB_NODE_IMAGE:-clusterops/ha-node:bookworm}
net=${LAB_NETWORK:-clusterops-lab}
subnet_prefix=${LAB_SUBNET_PREFIX:-172.31.250}
prefix=${LAB_PREFIX:-lab-node}
inventory=${LAB_INVENTORY:-$here/inventory.yml}
# The host's Docker socket, mounted into every node for fence_docker (the image's
# docker-api-proxy.service serves it on the node's 127.0.0.1:2376, TLS). LAB_DOCKER_SOCKET= (empty) leaves it out.
docker_socket=${LAB_DOCKER_SOCKET-/var/run/docker.sock}
# LAB_SERVICES: what the cluster runs besides its fence device and the web tier (the nginx site and the
# load-balanced app, always): "postgresql" adds PostgreSQL under the PAF agent, "fileshare" a Samba file service on
# a shared disk (a blank loop device of the host, lab/shared_disk.sh, that every node sees as /dev/clusterops-shared);
# both in docs/storage.md. Space-separated: LAB_SERVICES="postgresql fileshare".
services=${LAB_SERVICES:-web}
suite=${LAB_SUITE:-bookworm}

for s in $services; do
  case "$s" in web|postgresql|fileshare) ;; *) echo "up.sh: LAB_SERVICES takes web, postgresql and fileshare, got '$s'" >&2; exit 2;; esac
done
case "$suite" in bookworm) pg_version=15;; trixie) pg_version=17;; *) echo "up.sh: LAB_SUITE must be bookworm or trixie, got '$suite'" >&2; exit 2;; esac
case "$n" in ''|*[!0-9]*) echo "up.sh: LAB_NODES must be a whole number, got '$n'" >&2; exit 2;; esac
if [ "$n" -lt 1 ] || [ "$n" -gt 16 ]; then echo "up.sh: LAB_NODES must be 1..16, got $n" >&2; exit 2; fi

# Remove leftovers: any container of ours (by label), then the network.
old=$(docker ps -aq --filter "label=clusterops.lab=$net")
[ -z "$old" ] || echo "$old" | xargs docker rm -f >/dev/null
docker network inspect "$net" >/dev/null 2>&1 && docker network rm "$net" >/dev/null
docker network create --subnet "$subnet_prefix.0/24" "$net" >/dev/null

mounts=()
if [ -n "$docker_socket" ]; then
  [ -S "$docker_socket" ] || { echo "up.sh: $docker_socket is not a socket (LAB_DOCKER_SOCKET= to go without)" >&2; exit 2; }
  # Not under /run: that is a tmpfs in the nodes.
  mounts+=(-v "$docker_socket:/var/lib/clusterops-lab/docker.sock")
fi

# LAB_APT_CACHE=DIR: one package cache on the host shared by every node (/var/cache/apt/archives), so a
# package the first node downloads is not downloaded again (bench/major_upgrade; nodes upgrade one at a time).
if [ -n "${LAB_APT_CACHE:-}" ]; then
  mkdir -p "$LAB_APT_CACHE/partial"
  mounts+=(-v "$LAB_APT_CACHE:/var/cache/apt/archives")
fi

# The shared disk, blank for every new lab.
case " $services " in *" fileshare "*)
  disk=$(bash "$here/shared_disk.sh" --fresh "${LAB_SHARED_DISK_FILE:-$here/../.build/lab/$net-shared-disk.img}")
  mounts+=(--device "$disk:/dev/clusterops-shared")
  ;;
esac

hosts=()
for i in $(seq 1 "$n"); do
  hosts+=(--add-host "$prefix$i:$subnet_prefix.$((10 + i))")
done

for i in $(seq 1 "$n"); do
  name="$prefix$i"
  docker run -d --name "$name" --hostname "$name" --label "clusterops.lab=$net" \
    --network "$net" --ip "$subnet_prefix.$((10 + i))" "${hosts[@]}" \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_NICE --cap-add IPC_LOCK --cap-add SYS_PTRACE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --shm-size 256m \
    --stop-signal SIGRTMIN+3 "${mounts[@]}" \
    "$image" /lib/systemd/systemd >/dev/null
done

# Wait until systemd in every node answers (running or degraded both mean "booted").
for i in $(seq 1 "$n"); do
  for _ in $(seq 1 60); do
    state=$(docker exec "$prefix$i" systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break;; esac
    sleep 1
  done
done

# A random hacluster password per lab, kept only in the (git-ignored) inventory.
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
{
  echo "# Written by lab/up.sh. The lab's nodes, reached with community.docker.docker."
  echo "all:"
  echo "  children:"
  echo "    cluster:"
  echo "      hosts:"
  for i in $(seq 1 "$n"); do
    echo "        $prefix$i:"
    echo "          cluster_node_addresses: [$subnet_prefix.$((10 + i))]"
  done
  echo "      vars:"
  echo "        ansible_connection: community.docker.docker"
  echo "        ansible_python_interpreter: /usr/bin/python3"
  echo "        cluster_name: lab"
  echo "        # The docker network the nodes are on (the failover drills cut a node off it and back)."
  echo "        lab_network: $net"
  echo "        cluster_hacluster_password: $password"
  echo "        # Containers: keep corosync in the container's cgroup."
  echo "        cluster_system: {move_to_root_cgroup: \"no\"}"
  if [ -z "$docker_socket" ]; then
    echo "        # No path to the engine for fence_docker: no fence device, stonith off (the role warns)."
    echo "        lab_fencing: false"
  fi
  echo "    # The web tier's files (roles/web) go on the cluster's nodes."
  echo "    web:"
  echo "      children:"
  echo "        cluster: {}"
  case " $services " in *" postgresql "*)
    echo "    # PostgreSQL's instances (roles/postgresql_ha) on the cluster's nodes; the CIB in group_vars/cluster.yml."
    echo "    postgresql:"
    echo "      children:"
    echo "        cluster: {}"
    echo "      vars:"
    echo "        postgresql_ha_version: \"$pg_version\""
    echo "        postgresql_ha_replication_password: $(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    ;;
  esac
  case " $services " in *" fileshare "*)
    echo "    # The Samba file service's nodes (roles/fileshare_ha) on the shared disk; the CIB in group_vars/cluster.yml."
    echo "    fileshare:"
    echo "      children:"
    echo "        cluster: {}"
    echo "      vars:"
    echo "        fileshare_ha_users:"
    echo "          - {name: alice, uid: 2001, password: $(head -c 18 /dev/urandom | base64 | tr -d '/+=')}"
    ;;
  esac
} >"$inventory"
chmod 0600 "$inventory"
echo "up.sh: $n nodes up on $net; inventory: $inventory"
