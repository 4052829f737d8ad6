#!/usr/bin/env bats
# The bats engine helper against the real engines: start a container on a free loopback port, wait
# for it to answer, and check that teardown removes it.
# bats file_tags=host:engines

load '../helpers/engine'
bats_load_library bats-support
bats_load_library bats-assert

setup() { engine_setup; }
teardown() { engine_teardown; }

SERVER='require("http").createServer((q,s)=>{s.writeHead(q.url==="/healthz"?200:404);s.end(q.url)}).listen(18789)'

serve_and_remove() {
  local e=$1 port name
  require_engine "$e"
  port=$(free_port)
  container_run "$e" -p "127.0.0.1:$port:18789" localhost/node:24-bookworm-slim node -e "$SERVER"
  name=$CONTAINER_NAME
  wait_for_http "http://127.0.0.1:$port/healthz" 60
  run curl -s -w ' %{http_code}' "http://127.0.0.1:$port/nope"
  assert_output '/nope 404'
  run engine "$e" inspect --format '{{.State.Running}}' "$name"
  assert_success
  assert_output true
  engine_teardown
  run engine "$e" inspect "$name"
  assert_failure
}

@test "engine helper: podman (rootful) serves on a free loopback port and is removed" {
  serve_and_remove podman
}

@test "engine helper: podman rootless serves on a free loopback port and is removed" {
  serve_and_remove podman-rootless
}

@test "engine helper: docker serves on a free loopback port and is removed" {
  serve_and_remove docker
}

@test "engine helper: an unknown engine is a usage error" {
  run engine nerdctl ps
  assert_failure 2
  assert_output "openclaw: engine: unknown engine 'nerdctl' (use docker, podman or podman-rootless)"
}
