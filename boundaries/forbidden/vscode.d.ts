// Stand-in for a package this layer may not import (see boundaries/README.md): any use of it fails to compile.
export {};
