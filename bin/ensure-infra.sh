#!/usr/bin/env bash
# Starts this machine's MariaDB and RabbitMQ if they are not answering, and applies
# infra/k8s/base/mysql/init.sql (idempotent). With --browser also installs Debian's Chromium and
# ChromeDriver if missing (the web page's test). Run by ./mvnw verify (first thing, with --browser),
# run.sh and bin/image-check.sh; safe to run any time.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --browser ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  echo "ensure-infra: installing Debian's chromium and chromium-driver (the web page's test)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium chromium-driver || { apt-get update -q && apt-get install -y -q chromium chromium-driver; } || {
    echo "ensure-infra: could not install chromium and chromium-driver; install them yourself (apt-get install chromium chromium-driver)" >&2
    exit 1
  }
fi

MYSQL_HOST=${MYSQL_HOST:-127.0.0.1}
MYSQL_PORT=${MYSQL_PORT:-3306}
RABBITMQ_HOST=${RABBITMQ_HOST:-127.0.0.1}
RABBITMQ_PORT=${RABBITMQ_PORT:-5672}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() { # host port name seconds
  for _ in $(seq 1 "$4"); do port_open "$1" "$2" && return 0; sleep 1; done
  echo "ensure-infra: $3 is not answering on $1:$2" >&2
  return 1
}

if ! port_open "$MYSQL_HOST" "$MYSQL_PORT"; then
  if command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; then
    echo "ensure-infra: starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  else
    echo "ensure-infra: no MySQL/MariaDB on $MYSQL_HOST:$MYSQL_PORT and none installed (apt-get install mariadb-server, or set MYSQL_HOST/MYSQL_PORT)" >&2
    exit 1
  fi
fi
wait_port "$MYSQL_HOST" "$MYSQL_PORT" MariaDB 60

if ! port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then
  if command -v rabbitmq-server >/dev/null; then
    echo "ensure-infra: starting RabbitMQ"
    rabbitmq-server -detached
  else
    echo "ensure-infra: no RabbitMQ on $RABBITMQ_HOST:$RABBITMQ_PORT and none installed (apt-get install rabbitmq-server, or set RABBITMQ_HOST/RABBITMQ_PORT)" >&2
    exit 1
  fi
fi
wait_port "$RABBITMQ_HOST" "$RABBITMQ_PORT" RabbitMQ 90

if [ "$MYSQL_HOST" = 127.0.0.1 ] && command -v mariadb >/dev/null; then
  mariadb -uroot -h"$MYSQL_HOST" -P"$MYSQL_PORT" < infra/k8s/base/mysql/init.sql \
    || echo "ensure-infra: could not apply infra/k8s/base/mysql/init.sql as root (apply it yourself if the auth account is missing)" >&2
fi
echo "ensure-infra: MariaDB $MYSQL_HOST:$MYSQL_PORT and RabbitMQ $RABBITMQ_HOST:$RABBITMQ_PORT are up"
