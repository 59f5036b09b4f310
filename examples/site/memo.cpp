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

uint64_t Memo::produce(const sitecache::Step& step,
                       const std::function<void(sitecache::Inputs&)>& add_inputs,
                       const std::filesystem::path& output,
                       const std::function<std::string()>& render, std::string_view slot) const {
  if (!cache_) throw std::logic_error("Memo::produce needs a cache");
  sitecache::Inputs inputs;
  add_inputs(inputs);
  sitecache::MemoOptions options;
  options.slot = std::string(slot);
  sitecache::Result<sitecache::FileOutcome> out =
      cache_->produce_file(step, inputs, output, render, options, sitecache::Freshen::no);
  if (!out)
    throw std::runtime_error(step.name + " " + std::string(slot) + ": " + out.status().to_string());
  return out->written;
}

}  // namespace sitegen
