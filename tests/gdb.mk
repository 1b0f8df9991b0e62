HOST_TESTS += tools/gdb/test.sh
