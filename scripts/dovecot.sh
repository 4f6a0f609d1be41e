#!/usr/bin/env bash
# The project's own Dovecot: a real IMAP server on 127.0.0.1 for rximap's integration tests.
#
# Usage: scripts/dovecot.sh start|stop|status|env [--reset]
#   start   install Dovecot when missing (apt, as root), write certificates and a config into the
#           state dir, start `dovecot -c <state>/conf/dovecot.conf`. Reports and exits 0 when it
#           is already running.
#   stop    stop the instance by its pid file (only when that pid really is a dovecot master).
#   status  exit 0 when the instance is running, 1 when it is not.
#   env     print shell exports (host, ports, CA file, ...): eval "$(scripts/dovecot.sh env)"
#   --reset with start or stop: wipe all mail, indexes, ACLs and metadata (certificates are kept).
#
# Environment: RXIMAP_DOVECOT_DIR (state dir, default /tmp/rximap-dovecot),
#   RXIMAP_IMAP_PORT (plain + STARTTLS, default 14143), RXIMAP_IMAPS_PORT (implicit TLS, 14993).
#
# Accounts: user1/pass1 user2/pass2 user3/pass3 utf8user/pässwörd€ quotauser/quotapass
# (1 MiB / 50 messages), and any user named test-* with password `test`, each with its own empty
# Maildir: a test file logs in as a fresh test-<random> user instead of resetting the server.
# OAuth2 bearer tokens (JWT, HS256, validated locally) are in <state>/oauth2/<user>.token.
# /etc/dovecot is never read; nothing listens outside 127.0.0.1.
set -euo pipefail
# dovecot lives in /usr/sbin, which is not on every PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

STATE="${RXIMAP_DOVECOT_DIR:-/tmp/rximap-dovecot}"
IMAP_PORT="${RXIMAP_IMAP_PORT:-14143}"
IMAPS_PORT="${RXIMAP_IMAPS_PORT:-14993}"
HOST=127.0.0.1
CONF="$STATE/conf/dovecot.conf"
PIDFILE="$STATE/run/master.pid"
CA_FILE="$STATE/certs/ca.crt"
# A fixed HS256 key, so that the tokens are the same on every machine and every run.
OAUTH2_KEY="rximap-test-static-oauth2-hmac-key-0001"
OAUTH2_ISSUER="rximap-test"
NAMED_USERS=(user1 user2 user3 utf8user quotauser)

log() { printf '[dovecot.sh] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

# ------------------------------------------------------------------------------------ arguments
ACTION="${1:-}"
[ $# -gt 0 ] && shift
RESET=0
for arg in "$@"; do
  case "$arg" in
    --reset) RESET=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $arg" ;;
  esac
done
for port in "$IMAP_PORT" "$IMAPS_PORT"; do
  if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die "bad port: $port"; fi
done
case "$STATE" in
  /*) ;;
  *) die "RXIMAP_DOVECOT_DIR must be an absolute path: $STATE" ;;
esac
[ "$STATE" != / ] || die "RXIMAP_DOVECOT_DIR must not be /"

# ------------------------------------------------------------------------------------ helpers

# The pid of the running dovecot master, or nothing. A pid file can outlive its process and the
# pid be reused, so the process's own name is checked too.
running_pid() {
  local pid
  [ -s "$PIDFILE" ] || return 1
  pid="$(tr -dc '0-9' <"$PIDFILE")"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dovecot ] || return 1
  printf '%s\n' "$pid"
}

# Single-quote a value for the shell (the only quoting rule env's readers need to undo).
shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# The greeting line of the plain port, to show that IMAP (not just a socket) answers.
greeting() {
  local line=''
  exec 3<>"/dev/tcp/$HOST/$IMAP_PORT" || return 1
  IFS= read -r -t 5 line <&3 || true
  printf 'a LOGOUT\r\n' >&3 || true
  exec 3>&- 3<&-
  printf '%s\n' "${line%$'\r'}"
}

summary() {
  cat <<EOF
dovecot running: pid $1
  state dir      : $STATE   (config $CONF, log $STATE/log/dovecot.log)
  plain/STARTTLS : $HOST:$IMAP_PORT
  implicit TLS   : $HOST:$IMAPS_PORT
  CA file        : $CA_FILE   (server certificate for localhost, 127.0.0.1)
  users          : user1/pass1 user2/pass2 user3/pass3 utf8user/pässwörd€ quotauser/quotapass
                   test-<anything>/test (own empty mailbox each)
  oauth2 tokens  : $STATE/oauth2/<user>.token (XOAUTH2, OAUTHBEARER)
  greeting       : $(greeting || echo '(no answer)')
EOF
}

wipe_mail() {
  log "reset: wiping mail, indexes, ACLs and metadata in $STATE"
  rm -rf "${STATE:?}/mail" "${STATE:?}/lib" "${STATE:?}/import"
}

# ------------------------------------------------------------------------------------ install
missing_packages() {
  command -v dovecot >/dev/null 2>&1 || return 0
  command -v doveadm >/dev/null 2>&1 || return 0
  [ -x /usr/lib/dovecot/imap ] || return 0
  [ -f /usr/lib/dovecot/modules/lib30_imap_zlib_plugin.so ] || return 0
  command -v openssl >/dev/null 2>&1 || return 0
  return 1
}

install_packages() {
  local pkgs=(dovecot-core dovecot-imapd openssl) aptlog="$STATE/log/apt.log"
  [ "$(id -u)" = 0 ] || die "Dovecot is not installed and installing it needs root"
  mkdir -p "$STATE/log"
  export DEBIAN_FRONTEND=noninteractive
  log "installing ${pkgs[*]} (log: $aptlog)"
  if ! apt-get install -y --no-install-recommends "${pkgs[@]}" >"$aptlog" 2>&1 </dev/null; then
    log "apt-get install failed; running apt-get update once"
    apt-get update >>"$aptlog" 2>&1 </dev/null || { tail -20 "$aptlog" >&2; die "apt-get update failed"; }
    apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$aptlog" 2>&1 </dev/null \
      || { tail -20 "$aptlog" >&2; die "apt-get install failed"; }
  fi
  # On a systemd host the package also starts the system instance; it is not ours and not used.
}

# ------------------------------------------------------------------------------------ state dir
make_layout() {
  getent group vmail >/dev/null || groupadd --system vmail
  id -u vmail >/dev/null 2>&1 || useradd --system --gid vmail --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin vmail
  local u
  for u in dovecot dovenull; do
    id -u "$u" >/dev/null 2>&1 || die "system user $u is missing (dovecot-core's postinst creates it)"
  done
  mkdir -p "$STATE"/{conf,certs,run,lib,log,mail,import,oauth2/keys/default/HS256}
  chmod 755 "$STATE" "$STATE/conf" "$STATE/run" "$STATE/log" "$STATE/oauth2"
  chown vmail:vmail "$STATE/mail" "$STATE/lib" "$STATE/import"
  chmod 750 "$STATE/mail" "$STATE/import"
}

make_certificates() {
  local c="$STATE/certs"
  [ -s "$c/server.crt" ] && [ -s "$c/server.key" ] && [ -s "$c/ca.crt" ] && return 0
  log "writing a CA and a server certificate to $c"
  rm -f "$c"/*
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout "$c/ca.key" -out "$c/ca.crt" -subj "/O=rximap test/CN=rximap test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$c/server.key" \
    -out "$c/server.csr" -subj "/O=rximap test/CN=localhost" 2>/dev/null
  cat >"$c/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EOF
  openssl x509 -req -in "$c/server.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
    -sha256 -days 825 -extfile "$c/server.ext" -out "$c/server.crt" 2>/dev/null
  cat "$c/server.crt" "$c/ca.crt" >"$c/server-chain.crt"
  chmod 600 "$c/ca.key" "$c/server.key"
  chmod 644 "$c/ca.crt" "$c/server.crt" "$c/server-chain.crt"
}

make_users() {
  local uid gid m="$STATE/mail"
  uid="$(id -u vmail)"
  gid="$(getent group vmail | cut -d: -f3)"
  # user:{scheme}password:uid:gid:gecos:home:shell:extra fields
  cat >"$STATE/conf/users" <<EOF
user1:{PLAIN}pass1:$uid:$gid::$m/user1::
user2:{PLAIN}pass2:$uid:$gid::$m/user2::
user3:{PLAIN}pass3:$uid:$gid::$m/user3::
utf8user:{PLAIN}pässwörd€:$uid:$gid::$m/utf8user::
quotauser:{PLAIN}quotapass:$uid:$gid::$m/quotauser::userdb_quota_rule=*:storage=1M:messages=50
EOF
  chgrp dovecot "$STATE/conf/users"
  chmod 640 "$STATE/conf/users"
}

# JWTs signed with the fixed key: one valid token per named user, plus an expired one and one
# with a broken signature, for the negative cases.
make_oauth2() {
  local o="$STATE/oauth2"
  command -v node >/dev/null 2>&1 || die "node is needed to write the OAuth2 tokens"
  printf '%s' "$OAUTH2_KEY" | base64 -w0 >"$o/keys/default/HS256/default"
  cat >"$STATE/conf/oauth2.conf.ext" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$o/keys/
username_attribute = sub
issuers = $OAUTH2_ISSUER
EOF
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  node --input-type=module -e '
    import { createHmac } from "node:crypto";
    import { writeFileSync } from "node:fs";
    const [dir, key, iss, ...users] = process.argv.slice(1);
    const b64url = (s) => Buffer.from(s).toString("base64url");
    const jwt = (claims) => {
      const body = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
      return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
    };
    const valid = (sub) => jwt({ sub, iss, iat: 1700000000, exp: 4102444800 });
    for (const user of users) writeFileSync(`${dir}/${user}.token`, `${valid(user)}\n`);
    writeFileSync(`${dir}/expired-user1.token`, `${jwt({ sub: "user1", iss, iat: 1600000000, exp: 1600003600 })}\n`);
    const good = valid("user1");
    const bad = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    writeFileSync(`${dir}/badsig-user1.token`, `${bad}\n`);
  ' "$o" "$OAUTH2_KEY" "$OAUTH2_ISSUER" "${NAMED_USERS[@]}"
  chmod -R go+rX "$o"
}

make_config() {
  local uid gid c="$STATE/certs" m="$STATE/mail"
  uid="$(id -u vmail)"
  gid="$(getent group vmail | cut -d: -f3)"
  cat >"$CONF" <<EOF
# Written by scripts/dovecot.sh: rximap's private test instance. Regenerated on every start.
instance_name = rximap-dovecot
base_dir = $STATE/run
state_dir = $STATE/lib
protocols = imap
listen = $HOST
shutdown_clients = yes

log_path = $STATE/log/dovecot.log
info_log_path = $STATE/log/dovecot.log
debug_log_path = $STATE/log/dovecot.log
auth_verbose = yes
verbose_proctitle = yes

ssl = yes
ssl_cert = <$c/server-chain.crt
ssl_key = <$c/server.key
ssl_min_protocol = TLSv1.2

# Loopback only, so plaintext LOGIN/AUTHENTICATE is allowed before STARTTLS. Failed logins answer
# at once, so that negative tests are fast.
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256 xoauth2 oauthbearer

# Sets only the nodelay field, which answers failed logins at once (the auth process would
# otherwise hold each failure for up to 0.5 s even with auth_failure_delay = 0).
passdb {
  driver = static
  args = noauthenticate nopassword nodelay=yes
  result_success = continue
  result_failure = continue
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $STATE/conf/oauth2.conf.ext
}
passdb {
  driver = passwd-file
  mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256 none
  args = scheme=PLAIN username_format=%u $STATE/conf/users
}
# Any test-* user, password "test": each test file logs in as a fresh user with an empty mailbox.
passdb {
  driver = static
  mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256 none
  username_filter = test-*
  args = password=test
}
userdb {
  driver = passwd-file
  args = username_format=%u $STATE/conf/users
}
# Without allow_all_users, a static userdb first asks the passdbs whether the user exists:
# the named users and test-* do, nobody else.
userdb {
  driver = static
  args = uid=vmail gid=vmail home=$m/%u
}

first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
# LAYOUT=fs: folder names may contain dots, and INBOX lives in a directory of its own.
mail_location = maildir:~/Maildir:LAYOUT=fs:INBOX=~/Maildir/INBOX
mail_fsync = never
mailbox_list_index = yes
mail_attribute_dict = file:%h/Maildir/dovecot-attributes
mail_plugins = \$mail_plugins quota acl

namespace inbox {
  type = private
  separator = /
  prefix =
  inbox = yes
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
}
# Other users' mailboxes appear under shared/<user>/ once their owner grants rights (SETACL).
namespace shared {
  type = shared
  separator = /
  prefix = shared/%%u/
  location = maildir:%%h/Maildir:LAYOUT=fs:INBOX=%%h/Maildir/INBOX:INDEXPVT=~/shared/%%u
  subscriptions = no
  list = children
}

protocol imap {
  mail_plugins = \$mail_plugins imap_quota imap_acl imap_zlib
  mail_max_userip_connections = 1000
  imap_metadata = yes
  imap_urlauth_host = localhost
}

plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:storage=8G
  quota_rule2 = Trash:storage=+100M
  acl = vfile
  acl_anyone = allow
  acl_shared_dict = file:$STATE/lib/shared-mailboxes.db
}

# Many test files run at once: room for many connections, and logins without a fork each.
default_process_limit = 1000
default_client_limit = 4000
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 1000
  inet_listener imap {
    address = $HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = $HOST
    port = $IMAPS_PORT
    ssl = yes
  }
}
# No escalating per-IP penalty after failed logins: negative tests stay fast and reproducible.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
}

# ------------------------------------------------------------------------------------ actions
do_stop() {
  local pid i
  if pid="$(running_pid)"; then
    kill -TERM "$pid"
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
      if [ "$i" = 100 ]; then
        log "pid $pid did not exit within 10 s; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    rm -f "$PIDFILE"
    echo "dovecot stopped (pid $pid)"
  else
    [ -e "$PIDFILE" ] && rm -f "$PIDFILE"
    echo "dovecot not running"
  fi
  if [ "$RESET" = 1 ]; then wipe_mail; fi
}

do_start() {
  local pid i
  if pid="$(running_pid)" && [ "$RESET" = 0 ]; then
    echo "dovecot already running"
    summary "$pid"
    return 0
  fi
  if missing_packages; then install_packages; fi
  [ "$(id -u)" = 0 ] || die "start must run as root (the dovecot master switches to the vmail user)"
  if running_pid >/dev/null; then
    do_stop >/dev/null
  elif [ "$RESET" = 1 ]; then
    wipe_mail
  fi
  # A stale pid file whose pid now belongs to another process would make dovecot refuse to start.
  rm -f "$PIDFILE"
  make_layout
  make_certificates
  make_users
  make_oauth2
  make_config
  if ! doveconf -c "$CONF" -n >"$STATE/conf/doveconf-n.txt" 2>"$STATE/log/doveconf.err"; then
    cat "$STATE/log/doveconf.err" >&2
    die "the generated config is invalid: $CONF"
  fi
  # Keep the log of this start and of the one before: every test connection adds a few lines.
  if [ -f "$STATE/log/dovecot.log" ]; then mv -f "$STATE/log/dovecot.log" "$STATE/log/dovecot.log.1"; fi
  log "starting dovecot -c $CONF"
  # Detach stdio: dovecot's children would otherwise hold the caller's pipes open.
  if ! dovecot -c "$CONF" </dev/null >"$STATE/log/startup.out" 2>&1; then
    cat "$STATE/log/startup.out" >&2
    tail -20 "$STATE/log/dovecot.log" >&2 2>/dev/null || true
    die "dovecot failed to start"
  fi
  for i in $(seq 1 100); do
    if pid="$(running_pid)" && port_open "$IMAP_PORT" && port_open "$IMAPS_PORT"; then
      summary "$pid"
      return 0
    fi
    sleep 0.1
  done
  tail -20 "$STATE/log/dovecot.log" >&2 2>/dev/null || true
  die "dovecot did not start listening on $HOST:$IMAP_PORT and $HOST:$IMAPS_PORT within 10 s"
}

do_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "dovecot running (pid $pid) on $HOST:$IMAP_PORT and $HOST:$IMAPS_PORT, state $STATE"
  else
    echo "dovecot not running (state $STATE)"
    return 1
  fi
}

do_env() {
  local name value
  for name in RXIMAP_DOVECOT_DIR RXIMAP_IMAP_HOST RXIMAP_IMAP_PORT RXIMAP_IMAPS_PORT \
    RXIMAP_CA_FILE RXIMAP_DOVECOT_CONF; do
    case "$name" in
      RXIMAP_DOVECOT_DIR) value="$STATE" ;;
      RXIMAP_IMAP_HOST) value="$HOST" ;;
      RXIMAP_IMAP_PORT) value="$IMAP_PORT" ;;
      RXIMAP_IMAPS_PORT) value="$IMAPS_PORT" ;;
      RXIMAP_CA_FILE) value="$CA_FILE" ;;
      RXIMAP_DOVECOT_CONF) value="$CONF" ;;
    esac
    printf 'export %s=%s\n' "$name" "$(shell_quote "$value")"
  done
}

case "$ACTION" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  env) do_env ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
