#pragma once
// Runs the project's programs as child processes (POSIX fork/execve/waitpid/kill), for tests that
// drive the tools the way users do: arguments, environment, exit status, files, signals.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gemini::test {

/// A temporary directory removed at destruction.
struct temp_dir
{
    temp_dir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "gemini-test-XXXXXX").string();
        if (!::mkdtemp(tmpl.data()))
            throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    std::string file(const std::string& name) const { return (path / name).string(); }

    std::filesystem::path path;
};

inline std::string read_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_text(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

/// A running child process. Its stdin comes from a file, its stdout and stderr go to files (or
/// stderr to a given descriptor).
class child_process
{
public:
    /// `env` is the whole environment of the child ("NAME=value"); nothing is inherited. Its
    /// stdin is the file `in_path` (default: empty).
    child_process(std::vector<std::string> args, std::vector<std::string> env, const std::string& out_path,
                  const std::string& err_path, int err_fd = -1, const std::string& in_path = "/dev/null")
    {
        // Everything the child needs is prepared before fork: after it, only async-signal-safe
        // calls (the test process has threads: the emulator's).
        std::vector<char*> argv, envp;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        for (auto& e : env)
            envp.push_back(e.data());
        envp.push_back(nullptr);
        const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const int err = err_fd >= 0 ? err_fd : ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const int in = ::open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (out < 0 || err < 0 || in < 0)
            throw std::runtime_error("cannot open the child's files");
        pid_ = ::fork();
        if (pid_ == 0)
        {
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(out);
        if (err_fd < 0)
            ::close(err);
        ::close(in);
        if (pid_ < 0)
            throw std::runtime_error("fork failed");
    }
    ~child_process()
    {
        if (pid_ > 0 && !status_)
        {
            ::kill(pid_, SIGKILL);
            wait();
        }
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const noexcept { return pid_; }

    /// Exit code, or 128 + signal number when a signal ended it. Blocks.
    int wait()
    {
        if (!status_)
        {
            int st = 0;
            while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR)
            {
            }
            status_ = st;
        }
        return code();
    }

    /// Like wait() when the child has ended, else empty.
    std::optional<int> poll()
    {
        if (!status_)
        {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) != pid_)
                return std::nullopt;
            status_ = st;
        }
        return code();
    }

    void signal(int sig) { ::kill(pid_, sig); }
    bool killed_by(int sig) const { return status_ && WIFSIGNALED(*status_) && WTERMSIG(*status_) == sig; }

private:
    int code() const { return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_); }

    pid_t pid_ = -1;
    std::optional<int> status_;
};

/// Polls `done()` every millisecond until it holds or `limit` passed; returns whether it held.
/// (Polling a file or a process is the synchronisation; the millisecond only paces the loop.)
/// What a finished child process left: its exit status and everything it printed.
struct run_result
{
    int code = -1;
    std::string out, err;
};

/// Runs `args` to completion with the environment `env`; its stdout and stderr go through files
/// of `dir`, its stdin comes from the file `in_path`.
inline run_result run_to_completion(const temp_dir& dir, std::vector<std::string> args, std::vector<std::string> env,
                                    const std::string& in_path = "/dev/null")
{
    run_result r;
    {
        child_process p(std::move(args), std::move(env), dir.file("stdout"), dir.file("stderr"), -1, in_path);
        r.code = p.wait();
    }
    r.out = read_text(dir.file("stdout"));
    r.err = read_text(dir.file("stderr"));
    return r;
}

template <class Pred>
bool poll_until(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(60))
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done())
    {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

} // namespace gemini::test
