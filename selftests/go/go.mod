module forkstat/selftests/go

go 1.19
