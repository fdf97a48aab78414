#define BOOST_TEST_MODULE xml_tests
#include <boost/test/unit_test.hpp>
