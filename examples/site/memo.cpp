#include "memo.hpp"

#include <stdexcept>

namespace sitegen {

std::string Memo::run(const sitecache::Step& step,
                      const std::function<void(sitecache::Inputs&)>& add_inputs,
                      const std::function<std::string()>& render, std::string_view slot) const {
  if (!cache_) return render();
  sitecache::Inputs inputs;
  add_inputs(inputs);
  sitecache::MemoOptions options;
  options.slot = std::string(slot);
  sitecache::Result<std::string> out = cache_->memoize(step, inputs, render, options);
  if (!out)
    throw std::runtime_error(step.name + " " + std::string(slot) + ": " + out.status().to_string());
  return std::move(out).value();
}

}  // namespace sitegen
