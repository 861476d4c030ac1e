/*
 * A Windows program that runs the host's Linux program of the same name.
 *
 * Windows processes under Wine cannot run a Linux program and wait for it:
 * CreateProcess of an ELF file starts it detached and returns no process
 * handle ([WinError 6] in Python's subprocess), so its exit code and output
 * are lost. Glance runs qemu-img with oslo.concurrency's processutils, which
 * needs both. winci copies this program as <name>.exe (qemu-img.exe) into a
 * folder on the Windows PATH of a run's Wine session (WINEPATH); it:
 *
 *  - takes the Linux program's name from its own file name;
 *  - turns every argument that is a Windows absolute path (C:\x, Z:/x,
 *    \\server\share\x) into the host path Wine maps it to
 *    (kernel32!wine_get_unix_file_name), and the current folder too;
 *  - runs the program with ntdll!__wine_unix_spawnvp (fork and exec on the
 *    host, waiting for it), standard input from /dev/null, standard output
 *    and error into two temporary files, since Wine's pipes have no host
 *    file descriptor a Linux process could write to;
 *  - copies those files to its own standard output and error, and exits
 *    with the program's exit code (127: the program could not be started).
 *
 * Outside Wine (real Windows) the two functions do not exist: it says so and
 * exits with 127. It is a test aid of the wine platform, never shipped.
 */
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

typedef LONG(__cdecl *spawnvp_fn)(char *const argv[], int wait);
typedef char *(__cdecl *unix_name_fn)(const WCHAR *dos_path);

static const char SCRIPT[] =
    "cd \"$1\" 2>/dev/null || cd /; o=$2; e=$3; shift 3; "
    "exec \"$@\" </dev/null >\"$o\" 2>\"$e\"";

static char *to_utf8(const WCHAR *text)
{
    int size = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *out = malloc(size > 0 ? (size_t)size : 1);
    if (out == NULL)
        return NULL;
    if (size <= 0 || !WideCharToMultiByte(CP_UTF8, 0, text, -1, out, size, NULL, NULL))
        out[0] = '\0';
    return out;
}

static int is_windows_absolute(const WCHAR *arg)
{
    if (iswalpha(arg[0]) && arg[1] == L':' && (arg[2] == L'\\' || arg[2] == L'/'))
        return 1;
    return (arg[0] == L'\\' && arg[1] == L'\\') || (arg[0] == L'/' && arg[1] == L'/');
}

/* The host path of a Windows path, or the argument unchanged. */
static char *host_argument(unix_name_fn unix_name, const WCHAR *arg)
{
    if (is_windows_absolute(arg)) {
        char *mapped = unix_name(arg);
        if (mapped != NULL)
            return mapped;
    }
    return to_utf8(arg);
}

/* The program to run: this file's name without its folder and ".exe". */
static char *program_name(void)
{
    WCHAR self[MAX_PATH];
    DWORD len = GetModuleFileNameW(NULL, self, MAX_PATH);
    WCHAR *base = self, *p;
    if (len == 0 || len >= MAX_PATH)
        return NULL;
    for (p = self; *p; p++)
        if (*p == L'\\' || *p == L'/')
            base = p + 1;
    len = (DWORD)wcslen(base);
    if (len > 4 && _wcsicmp(base + len - 4, L".exe") == 0)
        base[len - 4] = L'\0';
    return to_utf8(base);
}

static void copy_to(const WCHAR *path, DWORD which)
{
    HANDLE in = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE,
                            NULL, OPEN_EXISTING, 0, NULL);
    HANDLE out = GetStdHandle(which);
    char buffer[65536];
    DWORD got, put;
    if (in != INVALID_HANDLE_VALUE) {
        while (ReadFile(in, buffer, sizeof buffer, &got, NULL) && got > 0)
            if (out == NULL || out == INVALID_HANDLE_VALUE ||
                !WriteFile(out, buffer, got, &put, NULL))
                break;
        CloseHandle(in);
    }
    DeleteFileW(path);
}

int main(void)
{
    spawnvp_fn spawnvp =
        (spawnvp_fn)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "__wine_unix_spawnvp");
    unix_name_fn unix_name = (unix_name_fn)(void *)GetProcAddress(
        GetModuleHandleA("kernel32.dll"), "wine_get_unix_file_name");
    WCHAR temp[MAX_PATH], out_file[MAX_PATH], err_file[MAX_PATH], cwd[MAX_PATH];
    WCHAR **wargv;
    char **argv, *program;
    int argc, i, k = 0;
    LONG status;

    if (spawnvp == NULL || unix_name == NULL) {
        fprintf(stderr, "this relay runs a Linux program and works only under Wine\n");
        return 127;
    }
    program = program_name();
    wargv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (program == NULL || wargv == NULL || !GetTempPathW(MAX_PATH, temp) ||
        !GetTempFileNameW(temp, L"rly", 0, out_file) ||
        !GetTempFileNameW(temp, L"rly", 0, err_file) ||
        !GetCurrentDirectoryW(MAX_PATH, cwd)) {
        fprintf(stderr, "relay: cannot prepare (error %lu)\n", GetLastError());
        return 127;
    }
    argv = calloc((size_t)argc + 8, sizeof(char *));
    if (argv == NULL)
        return 127;
    argv[k++] = "/bin/sh";
    argv[k++] = "-c";
    argv[k++] = (char *)SCRIPT;
    argv[k++] = "winci-relay";
    argv[k++] = host_argument(unix_name, cwd);
    argv[k++] = unix_name(out_file);
    argv[k++] = unix_name(err_file);
    argv[k++] = program;
    for (i = 1; i < argc; i++)
        argv[k++] = host_argument(unix_name, wargv[i]);
    argv[k] = NULL;
    for (i = 0; i < k; i++)
        if (argv[i] == NULL) {
            fprintf(stderr, "relay: cannot map argument %d to a host path\n", i);
            return 127;
        }
    status = spawnvp(argv, 1);
    copy_to(out_file, STD_OUTPUT_HANDLE);
    copy_to(err_file, STD_ERROR_HANDLE);
    if (status < 0) /* an NTSTATUS error: the shell itself could not be started */
        return 127;
    return (int)status;
}
