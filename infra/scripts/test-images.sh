#!/usr/bin/env bash
# Build the images the test suites run, locally, without pulling anything from a registry.
#
#   shoal-test/busybox:latest  ($SHOAL_TEST_IMAGE)
#     a rootfs made of Debian's static busybox ($BUSYBOX_BIN, default /bin/busybox) with a link
#     for every applet busybox --list-full offers (sh, echo, cat, sleep, env, ls, head, yes, dd,
#     true, false, id, ...), /bin/bash (busybox has no bash applet: a tiny script exec'ing
#     /bin/sh), /tmp (1777), /etc/passwd + /etc/group with root and nobody, imported with
#     `docker import`.
#
# The image carries the label shoal.test-image.hash = sha256(this script + busybox binary); when
# the existing image has the same hash, nothing is rebuilt. --force rebuilds anyway.
#
#   infra/scripts/test-images.sh [--force]

# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SHOAL_TEST_IMAGE="${SHOAL_TEST_IMAGE:-shoal-test/busybox:latest}"
BUSYBOX_BIN="${BUSYBOX_BIN:-/bin/busybox}"
TEST_IMAGE_HASH_LABEL=shoal.test-image.hash
# Applets the tests rely on; the build fails if busybox lacks one.
TEST_IMAGE_REQUIRED_APPLETS=(sh echo cat sleep env ls head yes dd true false id kill)

test_image_hash() {
  cat "${BASH_SOURCE[0]}" "$BUSYBOX_BIN" | sha256sum | cut -c1-64
}

test_image_current_hash() {
  docker image inspect -f "{{ index .Config.Labels \"$TEST_IMAGE_HASH_LABEL\" }}" "$SHOAL_TEST_IMAGE" 2>/dev/null
}

# test_image_rootfs DIR: lays out the image's filesystem in DIR.
test_image_rootfs() {
  local root=$1 applet path
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/tmp,proc,sys,dev}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 0700 "$root/root"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  while IFS= read -r path; do
    [[ -z "$path" || "$path" == bin/busybox ]] && continue
    mkdir -p "$root/$(dirname "$path")"
    [[ -e "$root/$path" ]] || ln -s /bin/busybox "$root/$path"
  done < <("$BUSYBOX_BIN" --list-full)
  for applet in "${TEST_IMAGE_REQUIRED_APPLETS[@]}"; do
    [[ -L "$root/bin/$applet" || -L "$root/usr/bin/$applet" || -L "$root/sbin/$applet" ]] ||
      die "busybox at $BUSYBOX_BIN has no '$applet' applet"
  done
  # Busybox invoked as "bash" answers "applet not found", so bash is a script running ash.
  if [[ ! -e "$root/bin/bash" ]]; then
    printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$root/bin/bash"
    chmod 0755 "$root/bin/bash"
  fi
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
}

test_image_build() {
  local hash tmp old_id
  hash="$(test_image_hash)"
  old_id="$(docker image inspect -f '{{.Id}}' "$SHOAL_TEST_IMAGE" 2>/dev/null || true)"
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  test_image_rootfs "$tmp/rootfs"
  log "importing $SHOAL_TEST_IMAGE ($TEST_IMAGE_HASH_LABEL=${hash:0:12}...)"
  tar -C "$tmp/rootfs" --owner=0 --group=0 --numeric-owner -c . |
    docker import \
      --change "LABEL $TEST_IMAGE_HASH_LABEL=$hash" \
      --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' \
      - "$SHOAL_TEST_IMAGE" >/dev/null
  # The previous build is now untagged; drop it unless a container still uses it.
  if [[ -n "$old_id" && "$old_id" != "$(docker image inspect -f '{{.Id}}' "$SHOAL_TEST_IMAGE")" ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || true
  fi
}

test_image_verify() {
  local out
  out="$(docker run --rm --network none "$SHOAL_TEST_IMAGE" sh -c 'echo ok')"
  [[ "$out" == ok ]] || die "test image check failed: expected 'ok', got '$out'"
  out="$(docker run --rm --network none --user nobody "$SHOAL_TEST_IMAGE" bash -c 'id -u; ls -d /tmp')"
  [[ "$out" == $'65534\n/tmp' ]] || die "test image check (user nobody, bash) failed: got '$out'"
}

test_images_ensure() {
  have docker || die "docker CLI not found (run infra/scripts/host-deps.sh)"
  [[ -x "$BUSYBOX_BIN" ]] || die "$BUSYBOX_BIN not found (apt-get install busybox-static)"
  if ldd "$BUSYBOX_BIN" >/dev/null 2>&1; then
    die "$BUSYBOX_BIN is dynamically linked; the test image needs busybox-static"
  fi
  local note
  if [[ "${1:-}" != --force && "$(test_image_current_hash)" == "$(test_image_hash)" ]]; then
    note="up to date"
  else
    test_image_build
    note="built"
  fi
  test_image_verify
  step_note "$SHOAL_TEST_IMAGE $note"
}

shoal_main_if_executed "${BASH_SOURCE[0]}" test_images_ensure "$@"
