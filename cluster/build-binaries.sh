#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from the Go module proxy into a cache
# outside the repository, once per version. Prints the binary directory on stdout.
# A cold build takes several minutes on 2 cores; a warm call returns at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
k8s_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$here/go/k8s/go.mod")
etcd_version=$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ {print $2; exit}' "$here/go/etcd/go.mod")
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { echo "build-binaries: cannot read versions from go.mod" >&2; exit 1; }
cache_root=${FLINKOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flinkop}
out="$cache_root/k8s-$k8s_version-etcd-$etcd_version"
if [[ -x "$out/etcd" && -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" ]]; then
  echo "$out"
  exit 0
fi
command -v go >/dev/null || { echo "build-binaries: Go is required (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$out.tmp"
start=$(date +%s)
minor=${k8s_version#v1.}; minor=${minor%%.*}
(
  cd "$here/go/etcd"
  CGO_ENABLED=0 go build -trimpath -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
) >&2
(
  cd "$here/go/k8s"
  CGO_ENABLED=0 go build -trimpath -pgo=off -tags selinux,notest,grpcnotrace \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version \
      -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
      -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version \
      -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor" \
    -o "$out.tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
) >&2
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$(( $(date +%s) - start ))" > "$out/build-seconds"
echo "build-binaries: built $k8s_version + etcd $etcd_version in $(cat "$out/build-seconds")s" >&2
echo "$out"
