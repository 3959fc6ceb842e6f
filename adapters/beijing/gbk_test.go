package beijing_test

import "golang.org/x/text/encoding/simplifiedchinese"

func gbk(b []byte) ([]byte, error) {
	return simplifiedchinese.GBK.NewEncoder().Bytes(b)
}
