// Debian's Boost 1.81 ships Boost.JSON and Boost.URL without compiled
// libraries; this translation unit compiles them once into kinformer.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
