#!/usr/bin/env bash
# Dependency audit: every package installed in .venv (the app's and the dev tools')
# against the known-vulnerability databases, with pip-audit. docs/dependency-audit.md
# says how findings are handled.
#
#   scripts/audit_dependencies.sh            # from anywhere; .ci/run runs it
#
# Exit status: 0 when nothing is found (findings listed in .pip-audit-ignore with an
# expiry date still ahead do not count); 1 when a vulnerability is found, when some
# packages could not be audited, or when pip-audit cannot be installed; 0 with the
# message "audit could not reach the vulnerability database" when neither PyPI's JSON
# API nor OSV answers (a network without them, like the development machines'), and
# only then.
#
# pip-audit lives in its own virtualenv (var/tools/pip-audit), not in .venv: its own
# dependencies stay out of the audited environment.
set -euo pipefail

cd "$(dirname "$0")/.."

PIP_AUDIT_VERSION="${PIP_AUDIT_VERSION:-2.10.1}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
TOOLS=var/tools/pip-audit
IGNORE_FILE=.pip-audit-ignore
SITE_PACKAGES="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [ ! -x "$TOOLS/bin/pip-audit" ] || ! "$TOOLS/bin/pip-audit" --version | grep -q " $PIP_AUDIT_VERSION$"; then
    echo "Installing pip-audit $PIP_AUDIT_VERSION into $TOOLS"
    rm -rf "$TOOLS"
    "$PYTHON" -m venv "$TOOLS"
    if ! "$TOOLS/bin/python" -m pip install --quiet "pip-audit==$PIP_AUDIT_VERSION" 2>"$WORK/pip.err"; then
        cat "$WORK/pip.err" >&2
        echo "Could not install pip-audit $PIP_AUDIT_VERSION." >&2
        exit 1
    fi
fi

# The ignore list: "ID  YYYY-MM-DD  reason" per line (# starts a comment). Entries
# whose date has passed are not applied, so the finding fails the audit again.
ignore_args=()
if [ -f "$IGNORE_FILE" ]; then
    today="$(date +%F)"
    while read -r id expires reason; do
        case "$id" in "" | \#*) continue ;; esac
        if ! [[ "$expires" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || [ -z "$reason" ]; then
            echo "$IGNORE_FILE: '$id' needs an expiry date (YYYY-MM-DD) and a reason." >&2
            exit 1
        fi
        if [[ "$expires" < "$today" ]]; then
            echo "$IGNORE_FILE: $id expired on $expires; it counts again ($reason)"
        else
            echo "$IGNORE_FILE: ignoring $id until $expires ($reason)"
            ignore_args+=(--ignore-vuln "$id")
        fi
    done <"$IGNORE_FILE"
fi

# One service: prints the findings, returns 0 (clean), 1 (findings or packages not
# audited) or 2 (the service could not be reached).
audit() {
    local service="$1"
    local out="$WORK/$service.json" err="$WORK/$service.err" status=0
    "$TOOLS/bin/pip-audit" --path "$SITE_PACKAGES" --skip-editable --progress-spinner off \
        --vulnerability-service "$service" --format json --output "$out" \
        --cache-dir "$WORK/cache" "${ignore_args[@]}" 2>"$err" || status=$?
    if [ ! -s "$out" ]; then
        # No report: a connection error is "unreachable"; anything else is a failure.
        if grep -qE "ConnectionError|NameResolutionError|Max retries exceeded|timed out|Network is unreachable" "$err"; then
            echo "$service: $(tail -n 1 "$err")"
            return 2
        fi
        cat "$err" >&2
        return 1
    fi
    # pip-audit says "No known vulnerabilities found" (exit 0) even when it skipped
    # every package because the service answered 404 for all of them: that is no audit.
    "$TOOLS/bin/python" - "$out" "$service" "$status" <<'PY'
import json
import sys

path, service, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
report = json.load(open(path, encoding="utf-8"))
deps = report.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
audited = [d for d in deps if not d.get("skip_reason")]
found = [(d, v) for d in audited for v in d.get("vulns", [])]
if deps and not audited:
    print(f"{service}: all {len(deps)} packages skipped, e.g. {skipped[0]['skip_reason']}")
    sys.exit(2)
print(f"{service}: {len(audited)} packages audited, {len(found)} known vulnerabilities")
for dep, vuln in found:
    fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
    aliases = ", ".join(vuln.get("aliases", []))
    print(f"  {dep['name']} {dep['version']}: {vuln['id']} ({aliases}); fixed in: {fixes}")
for dep in skipped:
    print(f"  not audited: {dep['skip_reason']}")
sys.exit(1 if found or skipped or status not in (0, 1) else 0)
PY
}

unreachable=()
for service in pypi osv; do
    status=0
    audit "$service" || status=$?
    case "$status" in
        0)
            echo "Dependency audit passed ($service)."
            exit 0
            ;;
        1)
            echo "Dependency audit FAILED ($service): see docs/dependency-audit.md." >&2
            exit 1
            ;;
        *) unreachable+=("$service") ;;
    esac
done
echo "audit could not reach the vulnerability database (tried: ${unreachable[*]}); nothing was audited."
exit 0
