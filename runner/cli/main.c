/* conform — thin entry point; all commands live in libconform_cli. */
#include "cli.h"

int main(int argc, char **argv) {
  return cfm_cli_main(argc, argv);
}
