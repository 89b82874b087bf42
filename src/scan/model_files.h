// Which file names claim a model format, and what a file's content is when it
// is no model. Contract: HasModelExtension() is true for the extensions of the
// formats picket scans (.pt .pth .bin .ckpt .pkl .pickle .joblib .npy .npz
// .sav .dill), also under a compression suffix joblib and pandas infer from
// the name (model.pkl.gz); case-insensitive. DescribeContent() names what the
// leading bytes look like (empty, HTML, JSON, PNG, text, ...) for the error
// message given when such a file holds no model.
#pragma once
#include <string>
#include <string_view>

namespace picket::scan {

bool HasModelExtension(std::string_view path);
std::string DescribeContent(std::string_view bytes);

}  // namespace picket::scan
