# Sourced by the .ci/install-* scripts: network steps that survive a flaky
# mirror. A download that breaks off mid-file (seen on PyPI) is retried with
# backoff instead of failing the whole CI run.

# retry CMD...: run CMD up to 5 times, waiting 5, 10, 20, 40 s between tries.
retry() {
  local attempt=1 delay=5
  while true; do
    if "$@"; then
      return 0
    fi
    if [ "$attempt" -ge 5 ]; then
      echo "retry: '$*' failed $attempt times; giving up" >&2
      return 1
    fi
    echo "retry: '$*' failed (attempt $attempt); again in ${delay}s" >&2
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
  done
}

# pip_install VENV ARGS...: pip install into VENV with pip's own retries and
# resumable downloads turned up, the whole install retried on top.
pip_install() {
  local venv=$1
  shift
  local opts=(--quiet --disable-pip-version-check --retries 10 --timeout 60)
  if "$venv/bin/python" -m pip install --help 2>/dev/null | grep -q -- '--resume-retries'; then
    opts+=(--resume-retries 20)
  fi
  retry "$venv/bin/python" -m pip install "${opts[@]}" "$@"
}

# apt_install PACKAGE...: apt-get update + install, non-interactive, retried.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  retry apt-get update -qq
  retry apt-get install -y -qq --no-install-recommends -o Acquire::Retries=5 "$@"
}
