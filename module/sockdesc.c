// SPDX-License-Identifier: GPL-2.0
/*
 * What names a socket in a record: its inode number (the one
 * /proc/PID/fd shows as socket:[N], and the key that joins a clear to the
 * threads blocked on the same socket), family, type, protocol, and its
 * addresses; and its network namespace, by the cookie the kernel never
 * gives twice, so that a reader sees only its own namespace's sockets.
 * Read from a socket file the caller keeps open, so the socket cannot go
 * away meanwhile; an address that changes under us (a connect on another
 * CPU) is only garbled, never unsafe to read.
 */
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/net.h>
#include <net/af_unix.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "forkstat.h"

static void forkstat_sockdesc_unix(struct forkstat_sockdesc *sd, struct sock *sk)
{
	/* Set once by bind() and never freed while the socket lives. */
	struct unix_address *ua = smp_load_acquire(&unix_sk(sk)->addr);
	int len = ua ? ua->len - (int)offsetof(struct sockaddr_un, sun_path) : 0;

	if (len <= 0)
		return;
	len = min_t(int, len, UNIX_PATH_MAX);
	memcpy(sd->addr.sun_path, ua->name->sun_path, len);
	/* An abstract name starts with a NUL: show it as '@'. */
	if (!sd->addr.sun_path[0])
		sd->addr.sun_path[0] = '@';
	sd->addr.sun_path[len] = '\0';
}

bool forkstat_sockdesc_fill(struct forkstat_sockdesc *sd, struct file *filp)
{
	struct socket *sock = sock_from_file(filp);
	struct sock *sk = sock ? READ_ONCE(sock->sk) : NULL;

	memset(sd, 0, sizeof(*sd));
	if (!sk)
		return false;
	sd->ino = file_inode(filp)->i_ino;
	sd->net_cookie = sock_net(sk)->net_cookie;
	sd->family = sk->sk_family;
	sd->type = sk->sk_type;
	sd->protocol = sk->sk_protocol;
	switch (sk->sk_family) {
	case AF_INET:
		sd->addr.in4[0] = inet_sk(sk)->inet_saddr;
		sd->addr.in4[1] = inet_sk(sk)->inet_daddr;
		sd->lport = inet_sk(sk)->inet_sport;
		sd->rport = inet_sk(sk)->inet_dport;
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		sd->addr.in6[0] = sk->sk_v6_rcv_saddr;
		sd->addr.in6[1] = sk->sk_v6_daddr;
		sd->lport = inet_sk(sk)->inet_sport;
		sd->rport = inet_sk(sk)->inet_dport;
		break;
#endif
	case AF_UNIX:
		forkstat_sockdesc_unix(sd, sk);
		break;
	}
	return true;
}

void forkstat_sockdesc_show(struct seq_file *m, const struct forkstat_sockdesc *sd)
{
	seq_printf(m, " ino=%lu family=%u type=%u protocol=%u", sd->ino,
		   sd->family, sd->type, sd->protocol);
	switch (sd->family) {
	case AF_INET:
		seq_printf(m, " local=%pI4:%u remote=%pI4:%u",
			   &sd->addr.in4[0], ntohs(sd->lport),
			   &sd->addr.in4[1], ntohs(sd->rport));
		break;
	case AF_INET6:
		seq_printf(m, " local=[%pI6c]:%u remote=[%pI6c]:%u",
			   &sd->addr.in6[0], ntohs(sd->lport),
			   &sd->addr.in6[1], ntohs(sd->rport));
		break;
	case AF_UNIX:
		if (sd->addr.sun_path[0]) {
			seq_puts(m, " sun_path=");
			forkstat_seq_comm(m, sd->addr.sun_path);
		}
		break;
	}
}
