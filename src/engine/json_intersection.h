// The fields a set of JSON objects share, as Kibana computes them for the
// shell alert of an EQL sequence (build_alert_group_from_sequence.ts,
// objectArrayIntersection / objectPairIntersection), folding pairwise from
// the first object:
//  * a key kept in both: two objects intersect recursively; equal scalars
//    (JavaScript `===`: strings, numbers by value, booleans, null) are kept;
//    two arrays give lodash `intersection` (the first array's distinct
//    primitive values that the second also has, in its order — objects in
//    arrays never compare equal, they are different references); an array
//    and a scalar intersect as if the scalar were a one-element array;
//  * anything else (different scalars, object against scalar) drops the key;
//  * an object left with no key is dropped (undefined); an empty array stays.
// With one object the result is that object.
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace picket::engine {

// The intersection of `objects` (JSON object texts) as a JSON object text;
// "{}" when nothing is shared. Texts that are not JSON objects count as
// objects with no fields.
std::string IntersectJsonObjects(std::span<const std::string_view> objects);

}  // namespace picket::engine
