// Windows builds with mingw-w64 only (MSVC builds get node-gyp's hook from cmake-js). The addon
// imports Node-API and libuv from "node.exe" through a delay-load import library (CMakeLists.txt).
// In a host executable with another name (Electron, a renamed node) that name would not resolve,
// or would load a second node.exe; like node-gyp's win_delay_load_hook.cc, this hook answers with
// the executable that is running, which is the one that exports Node-API.
#include <windows.h>
#include <delayimp.h>
#include <string.h>

static FARPROC WINAPI load_exe_hook(unsigned event, PDelayLoadInfo info) {
    if (event != dliNotePreLoadLibrary || _stricmp(info->szDll, "node.exe") != 0) return NULL;
    return (FARPROC)GetModuleHandleA(NULL);
}

// Defining the hook variable keeps mingw's own (null) definition out of the link.
PfnDliHook __pfnDliNotifyHook2 = load_exe_hook;
