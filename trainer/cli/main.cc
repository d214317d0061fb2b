// lptrain: the program. Everything it does is the cli library's (commands.h).
#include "trainer/cli/commands.h"

int main(int argc, char** argv) { return lpt::cli::Main(argc, argv); }
