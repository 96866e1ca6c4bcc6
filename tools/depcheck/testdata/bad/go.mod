module example.com/bad

go 1.26

require fyne.io/fyne/v2 v2.0.0

replace fyne.io/fyne/v2 => ./fyne
