#include "kexec_main.hpp"

int main(int argc, char** argv) {
    kx::MainEnv env;
    return kx::kexec_main(argc, argv, env);
}
