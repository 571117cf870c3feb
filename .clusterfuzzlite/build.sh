#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: honours $CC $CFLAGS $LIB_FUZZING_ENGINE
# and writes every harness, its seed corpus zip, dictionary and options to $OUT.
cmake -S "$SRC/conform" -B build -DCMAKE_BUILD_TYPE=Release \
  -DCONFORM_BUILD_FUZZERS=ON -DCONFORM_BUILD_TESTS=OFF \
  -DCONFORM_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build build -j"$(nproc)"
mkdir -p "$OUT/specs"
cp "$SRC"/conform/specs/*.json "$OUT/specs/"
for exe in build/fuzz/fuzz_*; do
  name=$(basename "$exe"); short=${name#fuzz_}
  cp "$exe" "$OUT/"
  if [ -d "$SRC/conform/corpus/$short" ]; then
    (cd "$SRC/conform/corpus/$short" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
  [ -f "$SRC/conform/corpus/$short.dict" ] && cp "$SRC/conform/corpus/$short.dict" "$OUT/$name.dict"
  [ -f "$SRC/conform/corpus/$short.options" ] && cp "$SRC/conform/corpus/$short.options" "$OUT/$name.options"
done
