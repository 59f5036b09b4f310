// sitecache._core.digest() and file_digest(): the typed digests memoize keys are made of,
// for callers that fold large, shared state into one input once.
#include <filesystem>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "errors.hpp"
#include "key_fields.hpp"
#include "sitecache/memoize.hpp"

namespace sitecache::python {
namespace py = pybind11;

void register_digests(py::module_& module) {
  module.def(
      "digest",
      [](py::handle value) {
        KeyFields fields;
        fields.add(value, "value");
        std::optional<Digest> digest;
        {
          py::gil_scoped_release release;
          digest = fields.input_digest();
        }
        return digest->hex();
      },
      py::arg("value"));
  module.def(
      "file_digest",
      [](py::handle path) {
        const std::filesystem::path file(
            py::module_::import("os").attr("fsdecode")(path).cast<std::string>());
        std::optional<Result<Digest>> digest;
        {
          py::gil_scoped_release release;
          digest = FileHasher::shared().digest(file);
        }
        return take(std::move(*digest)).hex();
      },
      py::arg("path"));
}

}  // namespace sitecache::python
