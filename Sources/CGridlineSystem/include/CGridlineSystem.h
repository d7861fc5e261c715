#ifndef CGRIDLINE_SYSTEM_H
#define CGRIDLINE_SYSTEM_H

// The C surface Swift imports awkwardly: SQLite, epoll, eventfd, timerfd.
#include <sqlite3.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>

// SQLITE_TRANSIENT is a macro cast Swift cannot import.
static inline sqlite3_destructor_type cgl_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// epoll_event is packed on x86_64; these keep Swift away from its layout.
int cgl_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
int cgl_epoll_wait(int epfd, uint32_t *events, uint64_t *datas, int maxevents, int timeout_ms);

// accept4 needs _GNU_SOURCE, which Swift's Glibc module doesn't define.
int cgl_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

#endif
