/*
 * bcryptprimitives.dll for Wine 8, which has none.
 *
 * Rust's standard library (>= 1.78) takes its random bytes from
 * bcryptprimitives.dll!ProcessPrng, so extension modules built with it
 * (cryptography's _rust.pyd) fail to load under Wine 8. This DLL exports
 * ProcessPrng on top of advapi32's RtlGenRandom (SystemFunction036), which
 * Wine has. winci builds it with mingw-w64 and puts it beside python.exe.
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Fills data with len random bytes; always TRUE, like Windows' own. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}
