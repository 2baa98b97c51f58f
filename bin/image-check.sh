#!/usr/bin/env bash
# Builds the four service images with the minikube README's command and runs them as containers with the
# settings of the rendered manifests (e2e-tests ImagesTest): user 185, read-only root file system, /tmp as a
# fresh writable directory, no capabilities, the memory and CPU limits, the manifests' env. Then the course's
# curl walk-through against the gateway container, each container's health endpoints, and ffmpeg inside the
# converter container. Prints what it did; removes the containers and, if it started them, stops the Docker
# daemon it started. The images stay (docker images mp3converter/*).
#
# Needs root (it installs docker.io and debootstrap from Debian's packages when missing) and a free
# 8080-8083 (stop ./run.sh first). MariaDB and RabbitMQ are this machine's (bin/ensure-infra.sh).
#
# Base image: the project's default (root pom.xml, quarkus.jib.base-jvm-image). When it cannot be pulled,
# as on machines without a registry, an equivalent is built from Debian's packages (Debian 12 + Debian's
# openjdk-17-jre-headless + ca-certificates, by debootstrap) and used through that one property.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/image-check
mkdir -p "$OUT"
DEFAULT_BASE=$(sed -n 's:.*<quarkus.jib.base-jvm-image>\(.*\)</quarkus.jib.base-jvm-image>.*:\1:p' pom.xml)
LOCAL_BASE=mp3converter/java17-debian12:local
BASE_PACKAGES=openjdk-17-jre-headless,ca-certificates

say() { echo "image-check: $*"; }

STARTED_DOCKERD=""
cleanup() {
  docker ps -aq --filter label=mp3converter.image-check 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  if [ -n "$STARTED_DOCKERD" ] && [ -z "${KEEP_DOCKER:-}" ]; then
    say "stopping the Docker daemon it started (KEEP_DOCKER=1 leaves it running)"
    kill "$STARTED_DOCKERD" 2>/dev/null || true
    wait "$STARTED_DOCKERD" 2>/dev/null || true
  fi
}
trap cleanup EXIT

need_package() { # command package
  command -v "$1" >/dev/null || { say "installing $2"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}

# --- a container engine: Debian's docker.io; no bridge or iptables in this sandbox, so containers use the host network
need_package dockerd docker.io
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: $OUT/dockerd.log)"
  dockerd --bridge none --iptables=false --exec-opt native.cgroupdriver=cgroupfs \
    --default-ulimit nofile=20000:20000 --default-ulimit nproc=1024:1024 > "$OUT/dockerd.log" 2>&1 &
  STARTED_DOCKERD=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start; see $OUT/dockerd.log"; exit 1; }
fi

# --- the base image
BASE_OVERRIDE=()
if docker image inspect "$DEFAULT_BASE" >/dev/null 2>&1 || timeout 60 docker pull -q "$DEFAULT_BASE" >/dev/null 2>&1; then
  say "base image: $DEFAULT_BASE (the project's default)"
else
  recipe="bookworm minbase $BASE_PACKAGES v1"
  if [ "$(docker image inspect --format '{{index .Config.Labels "recipe"}}' "$LOCAL_BASE" 2>/dev/null)" != "$recipe" ]; then
    say "$DEFAULT_BASE cannot be pulled here: building $LOCAL_BASE from Debian's packages ($recipe)"
    need_package debootstrap debootstrap
    rootfs=$OUT/base-rootfs
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$rootfs" http://deb.debian.org/debian > "$OUT/debootstrap.log" 2>&1 \
      || { say "debootstrap failed; see $OUT/debootstrap.log"; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    # The same image config as the distroless base: PATH, UTF-8, the CA bundle, `java -jar` as entrypoint.
    tar --numeric-owner -C "$rootfs" -c . | docker import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV LANG=C.UTF-8' \
      -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' -c 'ENTRYPOINT ["/usr/bin/java", "-jar"]' \
      -c "LABEL recipe=\"$recipe\"" - "$LOCAL_BASE" >/dev/null
    rm -rf "$rootfs"
  fi
  say "base image: $LOCAL_BASE (built here from Debian's packages; $DEFAULT_BASE cannot be pulled)"
  BASE_OVERRIDE=("-Dquarkus.jib.base-jvm-image=docker://$LOCAL_BASE")
fi

# --- the images (Jib, as in the minikube README), then the containers and the walk-through, in one build
bin/ensure-infra.sh
say "building the images and running them: ./mvnw -B verify -Dquarkus.container-image.build=true ${BASE_OVERRIDE[*]} -Dimage.check=true -Dtest=ImagesTest"
set +o pipefail # the build's own status decides, not the filter's
./mvnw -B verify -Dquarkus.container-image.build=true "${BASE_OVERRIDE[@]}" \
  -Dimage.check=true -Dtest=ImagesTest -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | tee "$OUT/build.log" \
  | { grep --line-buffered -E 'Created container image|^docker run|^== | \| |Tests run:|FAIL|ERROR|BUILD' || true; }
status=${PIPESTATUS[0]}
set -o pipefail
[ "$status" -eq 0 ] || { say "failed; see $OUT/build.log"; exit 1; }
docker images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' 'mp3converter/*'
say "passed; container logs in e2e-tests/target/e2e/images/"
