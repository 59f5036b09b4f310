// Test support: a decompression bomb on demand.
#ifndef SITECACHE_TESTS_SUPPORT_ZERO_FRAME_HPP
#define SITECACHE_TESTS_SUPPORT_ZERO_FRAME_HPP

#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sitecache::testing {

// A zstd frame of `size` zero bytes that declares its size, made in 1 MiB steps so that
// the input is never held whole: 1 GiB makes a frame of about 40 KB. Empty if zstd fails.
inline std::string zero_frame(uint64_t size) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setPledgedSrcSize(context.get(), size);
  const std::string zeros(size_t{1} << 20, '\0');
  std::vector<char> buffer(ZSTD_CStreamOutSize());
  std::string frame;
  for (uint64_t left = size;;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    left -= n;
    const ZSTD_EndDirective mode = left == 0 ? ZSTD_e_end : ZSTD_e_continue;
    ZSTD_inBuffer in{zeros.data(), n, 0};
    for (bool done = false; !done;) {
      ZSTD_outBuffer out{buffer.data(), buffer.size(), 0};
      const size_t rc = ZSTD_compressStream2(context.get(), &out, &in, mode);
      if (ZSTD_isError(rc)) return {};
      frame.append(buffer.data(), out.pos);
      done = mode == ZSTD_e_end ? rc == 0 : in.pos == in.size;
    }
    if (left == 0) return frame;
  }
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_SUPPORT_ZERO_FRAME_HPP
