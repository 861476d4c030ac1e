/*
 * The MSI's deferred custom actions: run the installed Windows CPython with
 * glance_windows_service's install or remove step, giving it the install's
 * settings on its standard input.
 *
 * Why a DLL and not an EXE custom action: a deferred action sees only its
 * CustomActionData, and an EXE action could pass it only on a command line,
 * which Windows Installer writes into the install log and any administrator
 * can read from the process list. The settings hold the database URL and the
 * service password, so they travel through a pipe instead; the property that
 * carries them is listed in MsiHiddenProperties.
 *
 * CustomActionData: KEY=VALUE lines (INSTALLDIR first). The child's output is
 * copied line by line into the install log (the Python side never prints a
 * secret); a non-zero exit code fails the install (1603).
 */
#include <windows.h>
#include <msi.h>
#include <msiquery.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* One line into the install log. Square and curly brackets become parentheses: the
 * log's formatter reads them as property references (measured under Wine 8, where
 * "['a']" was logged as nothing). */
static void log_line(MSIHANDLE session, const wchar_t *text)
{
    wchar_t line[8200] = L"glance: ";
    size_t at = wcslen(line);
    for (const wchar_t *p = text; *p && at < 8199; p++, at++) {
        wchar_t c = *p;
        line[at] = (c == L'[' || c == L'{') ? L'(' : (c == L']' || c == L'}') ? L')' : c;
    }
    line[at] = 0;
    MSIHANDLE record = MsiCreateRecord(0);
    if (!record)
        return;
    MsiRecordSetStringW(record, 0, line);
    MsiProcessMessage(session, INSTALLMESSAGE_INFO, record);
    MsiCloseHandle(record);
}

static wchar_t *get_data(MSIHANDLE session)
{
    DWORD size = 0;
    wchar_t empty[1] = L"";
    if (MsiGetPropertyW(session, L"CustomActionData", empty, &size) != ERROR_MORE_DATA)
        return NULL;
    size += 1;
    wchar_t *data = calloc(size, sizeof(wchar_t));
    if (data && MsiGetPropertyW(session, L"CustomActionData", data, &size) != ERROR_SUCCESS) {
        free(data);
        return NULL;
    }
    return data;
}

/* The value of INSTALLDIR= in the KEY=VALUE lines, without a trailing backslash. */
static int install_dir(const wchar_t *data, wchar_t *out, size_t cap)
{
    const wchar_t *key = L"INSTALLDIR=";
    const wchar_t *p = data;
    while (p && *p) {
        const wchar_t *end = wcschr(p, L'\n');
        size_t len = end ? (size_t)(end - p) : wcslen(p);
        if (len > 0 && p[len - 1] == L'\r')
            len--;
        if (wcsncmp(p, key, wcslen(key)) == 0) {
            size_t n = len - wcslen(key);
            if (n == 0 || n >= cap)
                return 0;
            wmemcpy(out, p + wcslen(key), n);
            while (n > 0 && out[n - 1] == L'\\')
                n--;
            out[n] = 0;
            return 1;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static void forward_output(MSIHANDLE session, HANDLE pipe)
{
    char buf[4096];
    char line[8192];
    size_t used = 0;
    DWORD got;
    while (ReadFile(pipe, buf, sizeof(buf), &got, NULL) && got > 0) {
        for (DWORD i = 0; i < got; i++) {
            int flush = buf[i] == '\n' || used == sizeof(line) - 1;
            if (buf[i] != '\n' && buf[i] != '\r')
                line[used++] = buf[i];
            if (flush) {
                wchar_t wide[8192];
                line[used] = 0;
                int n = MultiByteToWideChar(CP_UTF8, 0, line, -1, wide, 8192);
                if (n > 0)
                    log_line(session, wide);
                used = 0;
            }
        }
    }
    if (used) {
        wchar_t wide[8192];
        line[used] = 0;
        if (MultiByteToWideChar(CP_UTF8, 0, line, -1, wide, 8192) > 0)
            log_line(session, wide);
    }
}

static UINT run_step(MSIHANDLE session, const wchar_t *step)
{
    UINT result = ERROR_INSTALL_FAILURE;
    wchar_t dir[MAX_PATH];
    wchar_t cmd[2 * MAX_PATH + 128];
    HANDLE in_read = NULL, in_write = NULL, out_read = NULL, out_write = NULL;
    PROCESS_INFORMATION pi;
    STARTUPINFOW si;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    char *payload = NULL;

    wchar_t *data = get_data(session);
    if (!data || !install_dir(data, dir, MAX_PATH)) {
        log_line(session, L"no INSTALLDIR in the custom action's data");
        goto done;
    }
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]),
               L"\"%ls\\python\\python.exe\" -m glance_windows_service %ls --settings-from-stdin",
               dir, step);
    if (!CreatePipe(&in_read, &in_write, &sa, 0) || !CreatePipe(&out_read, &out_write, &sa, 0))
        goto done;
    SetHandleInformation(in_write, HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
    ZeroMemory(&si, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in_read;
    si.hStdOutput = out_write;
    si.hStdError = out_write;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, dir, &si, &pi)) {
        wchar_t msg[128];
        _snwprintf(msg, 128, L"could not start python.exe (error %lu)", GetLastError());
        log_line(session, msg);
        goto done;
    }
    CloseHandle(in_read);
    in_read = NULL;
    CloseHandle(out_write);
    out_write = NULL;

    int size = WideCharToMultiByte(CP_UTF8, 0, data, -1, NULL, 0, NULL, NULL);
    payload = size > 0 ? malloc(size) : NULL;
    if (payload && WideCharToMultiByte(CP_UTF8, 0, data, -1, payload, size, NULL, NULL) > 0) {
        DWORD written;
        WriteFile(in_write, payload, (DWORD)strlen(payload), &written, NULL);
        SecureZeroMemory(payload, size);
    }
    CloseHandle(in_write);
    in_write = NULL;

    forward_output(session, out_read);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    if (code == 0) {
        result = ERROR_SUCCESS;
    } else {
        wchar_t msg[128];
        _snwprintf(msg, 128, L"%ls failed with exit code %lu", step, code);
        log_line(session, msg);
    }

done:
    if (data) {
        SecureZeroMemory(data, wcslen(data) * sizeof(wchar_t));
        free(data);
    }
    free(payload);
    if (in_read) CloseHandle(in_read);
    if (in_write) CloseHandle(in_write);
    if (out_read) CloseHandle(out_read);
    if (out_write) CloseHandle(out_write);
    return result;
}

/* Deferred, after InstallServices: configs, db_sync, recovery settings. */
__declspec(dllexport) UINT __stdcall GlanceInstall(MSIHANDLE session)
{
    return run_step(session, L"msi-install");
}

/* Deferred, after StopServices on removal: what the install made at run time. */
__declspec(dllexport) UINT __stdcall GlanceRemove(MSIHANDLE session)
{
    return run_step(session, L"msi-remove");
}
