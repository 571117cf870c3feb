#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: honours $CC $CFLAGS $LIB_FUZZING_ENGINE
# and writes every harness, its seed corpus zip, dictionary and options to
# $OUT, named the OSS-Fuzz way (<fuzzer>_seed_corpus.zip, <fuzzer>.dict,
# <fuzzer>.options).  The runner image lacks the Debian -dev libraries, so
# the shared libraries the harnesses need go to $OUT/lib (rpath $ORIGIN/lib).
cmake -S "$SRC/conform" -B build -DCMAKE_BUILD_TYPE=Release \
  -DCONFORM_BUILD_FUZZERS=ON -DCONFORM_BUILD_TESTS=OFF -DCONFORM_BUILD_BENCH=OFF \
  -DCONFORM_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DCMAKE_EXE_LINKER_FLAGS='-Wl,-rpath,$ORIGIN/lib'
cmake --build build -j"$(nproc)"
mkdir -p "$OUT/specs" "$OUT/lib"
cp "$SRC"/conform/specs/*.json "$OUT/specs/"
for exe in build/fuzz/fuzz_*; do
  name=$(basename "$exe"); short=${name#fuzz_}
  cp "$exe" "$OUT/"
  if [ -d "$SRC/conform/corpus/$short" ]; then
    (cd "$SRC/conform/corpus/$short" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
  # Past crashers seed the engine too, so batch fuzzing starts next to them.
  if [ -d "$SRC/conform/corpus/regressions/$short" ]; then
    (cd "$SRC/conform/corpus/regressions" && zip -q -r "$OUT/${name}_seed_corpus.zip" "$short")
  fi
  [ -f "$SRC/conform/corpus/$short.dict" ] && cp "$SRC/conform/corpus/$short.dict" "$OUT/$name.dict"
  [ -f "$SRC/conform/corpus/$short.options" ] && cp "$SRC/conform/corpus/$short.options" "$OUT/$name.options"
  ldd "$exe" | awk '/=> \// {print $3}' |
    grep -Ev '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*|libgcc_s|libstdc\+\+)\.so' |
    xargs -r -I{} cp -n {} "$OUT/lib/"
done
